// The port through which services read instance states and ask for restarts; the health manager implements it.

export type DynoState = 'starting' | 'up' | 'crashed' | 'down';

export interface DynoView {
  id: string;
  name: string;
  type: string;
  state: DynoState;
  command: string;
  size: string;
  releaseId: string;
  releaseVersion: number;
  startedAt: string;
  /** The machine it runs on, on a runtime of several (swarm); absent otherwise. */
  node?: { id: string; name: string };
}

export interface DynoDirectory {
  list(appId: string): Promise<DynoView[]>;
  /** Stops the named instance (or all of the app's) so the health manager starts fresh ones. */
  restart(appId: string, name?: string): Promise<number>;
}
