// Start-up after a crash (kill -9 of Berth) on the local runtime: what the dead server left of
// one-offs and builds is killed and removed, while its running instances are adopted untouched.
import { afterAll, beforeAll, expect, it } from 'vitest';
import { spawn, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { once } from 'node:events';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { findSize } from '../domain/sizes.js';
import { silentLogger } from '../platform/logger.js';
import { specFor } from '../runtime/runtime.contract.js';
import type { Runtime } from '../runtime/runtime.js';
import { InstanceCgroups } from '../runtime/local/cgroups.js';
import { LocalRuntime } from '../runtime/local/local-runtime.js';
import { describeWith } from '../../test/support/require-dependency.js';
import { localSandbox } from '../../test/support/local-sandbox.js';
import { chooseRuntime } from './runtime-choice.js';
import { homePaths, readSettings } from './settings.js';


describeWith(localSandbox, 'local runtime start-up after a crash', () => {
  let home: string;
  let slug: string;
  let runtime: Runtime | undefined;
  const strays: ChildProcess[] = [];

  beforeAll(async () => {
    home = await mkdtemp(join(tmpdir(), 'berth-crash-home-'));
    slug = await mkdtemp(join(tmpdir(), 'berth-crash-slug-'));
  });

  afterAll(async () => {
    for (const i of (await runtime?.list()) ?? []) await runtime?.remove(i.id);
    for (const child of strays) child.kill('SIGKILL');
    await rm(home, { recursive: true, force: true });
    await rm(slug, { recursive: true, force: true });
  });

  /** A process in the named cgroups, as a one-off or a build would be when its Berth died. */
  async function strayIn(cgroups: InstanceCgroups): Promise<{ exited: Promise<unknown> }> {
    await cgroups.create(findSize('standard-1x')!);
    const child = spawn('sleep', ['300'], { stdio: 'ignore' });
    strays.push(child);
    const exited = once(child, 'exit');
    for (const dir of cgroups.dirs()) await writeFile(join(dir, 'cgroup.procs'), String(child.pid));
    return { exited };
  }

  it("kills and removes a dead server's one-offs, builds and workspaces, and adopts its instances", async () => {
    const paths = homePaths(home);
    // The dead server's instance, still running (it was started detached from its Berth).
    const before = new LocalRuntime({ stateDir: paths.runtime, logger: silentLogger });
    const instance = await before.start(specFor(slug, { command: 'sleep 300' }));
    before.detach();
    // A one-off's state: its env file holds the app's config.
    const oneOffId = randomUUID();
    await mkdir(join(paths.runtime, 'instances', oneOffId), { mode: 0o700 });
    await writeFile(join(paths.runtime, 'instances', oneOffId, 'env'), 'SECRET=sk_live_x\0', { mode: 0o600 });
    const oneOff = await strayIn(new InstanceCgroups(oneOffId));
    // A build's sandbox, still running, and its workspace with source and config.
    const buildId = randomUUID();
    await mkdir(join(paths.runtime, 'builds', buildId), { recursive: true });
    const build = await strayIn(new InstanceCgroups(`build-${buildId}`));
    await mkdir(join(paths.buildWork, 'build-x', 'workspace'), { recursive: true });
    await writeFile(join(paths.buildWork, 'build-x', 'workspace', 'job.json'), '{"env":{"SECRET":"sk_live_x"}}');

    const choice = await chooseRuntime(readSettings({ BERTH_HOME: home, BERTH_RUNTIME: 'local' }), paths, silentLogger);
    runtime = choice.runtime;

    await Promise.all([oneOff.exited, build.exited]);
    expect(await readdir(join(paths.runtime, 'instances'))).toEqual([instance.id]);
    expect(await readdir(join(paths.runtime, 'builds'))).toEqual([]);
    expect(await readdir(paths.buildWork)).toEqual([]);
    expect(existsSync(`/sys/fs/cgroup/pids/berth/${oneOffId}`)).toBe(false);
    expect(existsSync(`/sys/fs/cgroup/pids/berth/build-${buildId}`)).toBe(false);
    expect((await runtime.list()).map((i) => [i.id, i.status])).toEqual([[instance.id, 'running']]);
  }, 30_000);
});
