// Global setup of the `swarm` test project (vitest.config.ts): its suites share one worker process
// and so one Docker-in-Docker swarm (test/support/swarm-cluster.ts), made by the first suite that
// asks and kept for the next. This names the run, and its teardown removes every cluster the run
// made, once the worker is gone: containers and networks by the run's label, then what each
// cluster wrote in its manifest (the registry process, directories, the host's pushed tags).
import { randomBytes } from 'node:crypto';
import { readdir, readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import Docker from 'dockerode';
import { RUN_LABEL, RUNS_DIR, type ClusterManifest } from './swarm-cluster.js';

export function setup(): () => Promise<void> {
  const run = `run${randomBytes(4).toString('hex')}`;
  // Forked workers inherit the environment: swarm-cluster.ts labels its clusters with this.
  process.env.BERTH_TEST_SWARM_RUN = run;
  return () => removeRun(run);
}

async function removeRun(run: string): Promise<void> {
  const docker = new Docker();
  const label = [`${RUN_LABEL}=${run}`];
  const manifests: ClusterManifest[] = [];
  const dir = join(RUNS_DIR, run);
  for (const name of await readdir(dir).catch(() => [] as string[])) {
    manifests.push(JSON.parse(await readFile(join(dir, name), 'utf8')) as ClusterManifest);
  }
  for (const m of manifests) {
    if (m.registryPid) {
      try { process.kill(m.registryPid, 'SIGTERM'); } catch { /* already gone */ }
    }
  }
  for (const c of await docker.listContainers({ all: true, filters: { label } })) await docker.getContainer(c.Id).remove({ force: true, v: true }).catch(() => undefined);
  for (const n of await docker.listNetworks({ filters: { label } })) await docker.getNetwork(n.Id).remove().catch(() => undefined);
  const prefixes = manifests.flatMap((m) => (m.registryAddress ? [`${m.registryAddress}/`] : []));
  if (prefixes.length > 0) {
    for (const image of await docker.listImages()) {
      for (const tag of image.RepoTags ?? []) {
        if (prefixes.some((p) => tag.startsWith(p))) await docker.getImage(tag).remove().catch(() => undefined);
      }
    }
  }
  for (const m of manifests) for (const d of m.dirs) await rm(d, { recursive: true, force: true });
  await rm(dir, { recursive: true, force: true });
}
