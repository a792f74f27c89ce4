// One bridge network per app (`berth-<app>`): the engine isolates bridges from each other, so an
// app's containers cannot reach another app's, while the host (and so the router) reaches all.
import type Docker from 'dockerode';
import { LABEL, networkName } from './container-labels.js';

export class AppNetworks {
  private readonly creating = new Map<string, Promise<void>>();

  /** driver: a bridge by default; the swarm runtime asks for an attachable overlay network. */
  constructor(
    private readonly docker: Docker,
    private readonly scopeLabels: Record<string, string>,
    private readonly driver: Pick<Docker.NetworkCreateOptions, 'Driver' | 'Attachable'> = { Driver: 'bridge' },
  ) {}

  ensure(appName: string): Promise<void> {
    const name = networkName(appName);
    let pending = this.creating.get(name);
    if (!pending) {
      pending = this.create(name, appName).finally(() => this.creating.delete(name));
      this.creating.set(name, pending);
    }
    return pending;
  }

  /** Drops the app's network once no container of the app is left on it (the app was scaled to zero or destroyed). */
  async removeIfUnused(appName: string): Promise<void> {
    const left = await this.docker.listContainers({ all: true, filters: { label: [`${LABEL.appName}=${appName}`] } });
    if (left.length > 0 || this.creating.has(networkName(appName))) return;
    try {
      await this.docker.getNetwork(networkName(appName)).remove();
    } catch (e) {
      // Gone already, or a container joined it meanwhile: either way it is not ours to drop now.
      const status = (e as { statusCode?: number }).statusCode;
      if (status !== 404 && status !== 403 && status !== 409) throw e;
    }
  }

  private async create(name: string, appName: string): Promise<void> {
    const existing = await this.docker.listNetworks({ filters: { name: [name] } });
    if (existing.some((n) => n.Name === name)) return;
    try {
      await this.docker.createNetwork({
        Name: name, ...this.driver, CheckDuplicate: true,
        Labels: { ...this.scopeLabels, [LABEL.appName]: appName },
      });
    } catch (e) {
      // Another Berth process (or an earlier attempt) made it meanwhile.
      if ((e as { statusCode?: number }).statusCode !== 409) throw e;
    }
  }
}
