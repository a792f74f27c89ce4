// The contract every runtime driver (local, docker, swarm) implements. The health manager
// decides what should run; a runtime only starts, stops and reports what is running.
import type { InstanceSize } from '../domain/sizes.js';

/** Everything a runtime needs to start one instance of one process type of one release. */
export interface InstanceSpec {
  appId: string;
  appName: string;
  releaseId: string;
  releaseVersion: number;
  processType: string;
  /** 1-based; together with processType gives the Heroku dyno name, e.g. `web.2`. */
  index: number;
  /**
   * The Procfile command; runs through a shell inside the instance's sandbox (`bash -c` for a
   * buildpack slug, `/bin/sh -c` in an image of the app's own, given to its ENTRYPOINT). An
   * image's own ENTRYPOINT + CMD line (domain/image-conventions) runs as the image's argv.
   */
  command: string;
  /** Release config vars. The runtime adds PORT (web processes and any that ask) and DYNO. */
  env: Record<string, string>;
  /** Slug location: an unpacked slug directory (local) or an image reference (docker). */
  slug: string;
  size: InstanceSize;
}

export type InstanceStatus = 'running' | 'exited';

export interface Instance {
  /** Runtime-unique id; stable across a Berth restart (adoption). */
  id: string;
  appId: string;
  appName: string;
  releaseId: string;
  releaseVersion: number;
  processType: string;
  index: number;
  /** `web.1` */
  name: string;
  status: InstanceStatus;
  exitCode: number | null;
  /** Where the router reaches it; null for processes without a port. */
  address: { host: string; port: number } | null;
  startedAt: string;
  exitedAt: string | null;
  /**
   * The name of the size it was started with (`standard-2x`), whose limits it runs under; read back
   * from what the runtime keeps (a container label, the local instance record), so it survives a
   * Berth restart. null when the runtime cannot tell (a container started before sizes were recorded).
   */
  size: string | null;
  /**
   * The machine it runs on, on a runtime of several (swarm: the node's id and hostname); absent on
   * the one-machine runtimes. Placement, `berth ps` and the fleet balancer read it from here.
   */
  node?: { id: string; name: string };
  /**
   * Set on an exited instance whose machine was lost (swarm: its node went down or left the swarm):
   * the node's name. It did not crash; it is started again elsewhere at once, and the app log says why.
   */
  lostWith?: string;
  /**
   * Set on an exited instance its runtime stopped because its writable working directory held more
   * than its size's disk (swarm, where no engine option can size it: the node meter measures it and
   * the runtime stops one found over). It exits as a crash does; the app log says why.
   */
  diskExceeded?: { usedBytes: number; limitBytes: number };
}

/**
 * One reading of an instance's use, as its runtime measures it (the local runtime's cgroups, the
 * engine's stats on docker and swarm). CPU is cumulative: a sampler takes the difference of two
 * readings, so a driver is asked for one reading at a time and never waits to compute a rate.
 */
export interface InstanceStats {
  /** Cumulative CPU time, seconds. */
  cpuSeconds: number;
  /** Resident memory (anonymous pages, without the page cache the kernel may drop at will). */
  memoryBytes: number;
  /** The memory limit it runs under, when the runtime knows it (its cgroup's, its container's). */
  memoryLimitBytes?: number;
  /**
   * When the reading was taken (ms since the epoch), for a runtime whose readings arrive on their own
   * schedule (swarm: the node meter's, every few seconds): CPU % is then worked out between reading
   * times, not between the moments they were asked for. Absent: read just now.
   */
  readAt?: number;
}

export interface LogChunk {
  stream: 'stdout' | 'stderr';
  line: string;
}

/** A one-off instance (`berth run`): the release's env, attached streams, an exit code. */
export interface OneOffSpec extends Omit<InstanceSpec, 'index'> {
  /** The dyno name (`run.4821`), chosen by the caller so it can label the output; default: the runtime picks one. */
  dynoName?: string;
  stdin?: NodeJS.ReadableStream;
  stdout: NodeJS.WritableStream;
  stderr?: NodeJS.WritableStream;
  /**
   * Run it on a terminal (a pseudo-terminal of its own), as Heroku runs `heroku run` unless the
   * client says --no-tty: stdin is keystrokes (the terminal echoes them and turns Enter into a
   * newline, Ctrl-D into end of input, Ctrl-C into SIGINT), and everything it prints comes out of
   * `stdout` with the terminal's line endings; `stderr` is not used.
   */
  tty?: boolean;
  /**
   * Aborting it stops the one-off as stop() stops an instance (SIGTERM, then SIGKILL after the
   * grace period) and exec() resolves with its exit code; already aborted, nothing is started.
   */
  signal?: AbortSignal;
}

export interface Runtime {
  readonly name: 'local' | 'docker' | 'swarm';
  /**
   * Starts the instance and returns once it has been launched (not once it is healthy). Throws
   * BerthError `start_refused` when the spec can never start as given (no such slug or image, a
   * configuration the engine rejects); any other error may pass on a later try.
   */
  start(spec: InstanceSpec): Promise<Instance>;
  /** SIGTERM, then SIGKILL after graceMs; resolves when it is gone. Unknown ids are a no-op. */
  stop(id: string, opts?: { graceMs?: number }): Promise<void>;
  /** Instances this runtime knows, including ones started by an earlier Berth process (adopted). */
  list(filter?: { appId?: string }): Promise<Instance[]>;
  inspect(id: string): Promise<Instance | undefined>;
  /** The instance's output, line by line; with follow, keeps yielding until the signal aborts or it exits. */
  logs(id: string, opts: { follow: boolean; signal?: AbortSignal }): AsyncIterable<LogChunk>;
  stats(id: string): Promise<InstanceStats | undefined>;
  exec(spec: OneOffSpec): Promise<{ exitCode: number }>;
  /**
   * Stops the one-offs an earlier Berth process left running (whoever started them is gone, so
   * nothing would ever stop them or count them) and frees what they held; returns how many ran.
   * Called once at start, before this process runs one-offs of its own.
   */
  stopLeftoverOneOffs(): Promise<number>;
  /** Called when an instance exits, as soon as the runtime learns of it (not only on the next list). */
  onExit(listener: (instance: Instance) => void): () => void;
  /** Forgets an exited instance and frees what it held on disk. */
  remove(id: string): Promise<void>;
}
