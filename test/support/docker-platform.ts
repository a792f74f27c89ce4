// One docker-runtime Berth server for a suite: started once (after the stack image is ready) and,
// at the end, its apps destroyed while it still runs, then whatever a failed run left behind
// removed — this server's containers (by its scope label), the suite's app networks and images (by prefix).
import { createHash } from 'node:crypto';
import Docker from 'dockerode';
import { afterAll, beforeAll } from 'vitest';
import { dockerEngine, stackImageReady, STACK_BUILD_TIMEOUT_MS } from './docker-engine.js';
import { buildDist, Platform, waitFor } from './platform-harness.js';

export { dockerEngine };

export interface DockerPlatform {
  /** The running server; set once the suite's beforeAll has run. */
  readonly p: Platform;
  /** The `berth.scope` label of its containers (derived from its BERTH_HOME). */
  readonly scope: string;
  /** This server's containers, optionally of one app. */
  containers(app?: string): Promise<Docker.ContainerInfo[]>;
}

/** Call inside a describe: `appPrefix` names the suite's apps (`bcd-` → images `berth-app/bcd-*`). */
export function useDockerPlatform(appPrefix: string, env: NodeJS.ProcessEnv = {}): DockerPlatform {
  const docker = new Docker();
  let platform: Platform | undefined;
  let scope = '';
  const containers = (app?: string) => docker.listContainers({
    all: true,
    filters: { label: [`berth.scope=${scope}`, ...(app ? [`berth.app-name=${app}`] : [])] },
  });

  beforeAll(async () => {
    buildDist();
    await stackImageReady();
    platform = await Platform.start({ BERTH_RUNTIME: 'docker', BERTH_BOOT_TIMEOUT: '30', ...env });
    scope = createHash('sha256').update(platform.home).digest('hex').slice(0, 12);
  }, STACK_BUILD_TIMEOUT_MS);

  afterAll(async () => {
    const p = platform;
    if (!p) return;
    try {
      // Destroying the apps must remove their containers while the server still runs.
      for (const a of (await p.ok('GET', '/apps')) as { name: string }[]) await p.ok('DELETE', `/apps/${a.name}`);
      await waitFor(async () => (await containers()).length === 0, 30_000, 'every container to be removed');
    } finally {
      await p.stop();
      for (const c of await containers()) await docker.getContainer(c.Id).remove({ force: true, v: true }).catch(() => undefined);
      for (const n of await docker.listNetworks({ filters: { name: [`berth-${appPrefix}`] } })) await docker.getNetwork(n.Id).remove().catch(() => undefined);
      for (const image of await docker.listImages({ filters: { reference: [`berth-app/${appPrefix}*`] } })) {
        for (const tag of image.RepoTags ?? []) await docker.getImage(tag).remove({ force: true }).catch(() => undefined);
      }
    }
  }, 90_000);

  return {
    get p() {
      if (!platform) throw new Error('the docker platform has not started (beforeAll failed?)');
      return platform;
    },
    get scope() { return scope; },
    containers,
  };
}
