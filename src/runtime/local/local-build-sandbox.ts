// Builds on the local runtime run in the same sandbox as instances (the init script in its
// `build` mode): PID/mount/IPC/UTS namespaces, the minimal root with the build's directories bound
// in, the BUILD_SIZE cgroup limits, the build uid with no new privileges. State of a running build
// is <stateDir>/builds/<id>/, which is also how leftovers of a crashed Berth are found at start.
// With a sandbox network each build also gets a network namespace of its own (`build-<id>`):
// egress through NAT for npm and pip, nothing of other builds, instances or the host's loopback.
import { spawn } from 'node:child_process';
import { chmod, mkdir, readdir, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { BerthError } from '../../domain/errors.js';
import { BUILD_SIZE } from '../../domain/sizes.js';
import type { SandboxNetwork } from '../../platform/sandbox-network/sandbox-network.js';
import { InstanceCgroups } from './cgroups.js';
import { INIT_SCRIPT_ENV } from './instance-env.js';
import { InstanceStateDir } from './instance-state.js';

/** The shape of build/build-sandbox.ts's SandboxRun (runtime/ may not import build/; main/ checks they fit). */
export interface LocalSandboxRun {
  id: string;
  user: { uid: number; gid: number };
  mounts: { from: string; to: string; access: 'ro' | 'rw' }[];
  argv: string[];
  env: Record<string, string>;
  onOutput(chunk: string): void;
  signal?: AbortSignal;
}

const SAFE_ID = /^[A-Za-z0-9-]{1,64}$/;
const SANDBOX_PATH = /^\/[A-Za-z0-9._/-]*$/;

export class LocalBuildSandbox {
  private readonly state: InstanceStateDir;

  constructor(private readonly opts: { stateDir: string; cgroupRoot?: string; network?: SandboxNetwork }) {
    this.state = new InstanceStateDir(opts.stateDir);
  }

  async run(job: LocalSandboxRun): Promise<number> {
    if (job.signal?.aborted) throw cancelled();
    if (!SAFE_ID.test(job.id)) throw new Error(`build sandbox id ${JSON.stringify(job.id)} is not a plain name`);
    for (const m of job.mounts) {
      if (!SANDBOX_PATH.test(m.to) || m.to.split('/').includes('..')) throw new Error(`cannot mount at ${JSON.stringify(m.to)}`);
    }
    await this.state.installScript();
    const dir = this.dir(job.id);
    const cgroups = this.cgroups(job.id);
    try {
      await mkdir(join(this.opts.stateDir, 'builds'), { recursive: true, mode: 0o700 });
      await mkdir(dir, { mode: 0o700 });
      await chmod(dir, 0o700);
      // NUL-separated, read by the init script: values are data, never shell text.
      await writeFile(join(dir, 'env'), Object.entries(job.env).map(([k, v]) => `${k}=${v}\0`).join(''), { mode: 0o600 });
      await writeFile(join(dir, 'binds'), job.mounts.map((m) => `${m.from}\0${m.to}\0${m.access}\0`).join(''), { mode: 0o600 });
      await writeFile(join(dir, 'argv'), job.argv.map((a) => `${a}\0`).join(''), { mode: 0o600 });
      await cgroups.create(BUILD_SIZE);
      const netns = (await this.opts.network?.attach(networkId(job.id)))?.netnsPath;
      return await this.spawnSandbox(job, dir, cgroups, netns);
    } finally {
      await cgroups.remove();
      // Before the state dir goes: while it is there, a failed detach is retried at the next start.
      await this.opts.network?.detach(networkId(job.id));
      await rm(dir, { recursive: true, force: true });
    }
  }

  /** Kills what a build of an earlier Berth left running (its cgroups) and removes its state. */
  async removeLeftovers(): Promise<void> {
    const ids = await readdir(join(this.opts.stateDir, 'builds')).catch(() => [] as string[]);
    for (const id of ids) {
      await this.cgroups(id).remove();
      await this.opts.network?.detach(networkId(id));
      await rm(this.dir(id), { recursive: true, force: true });
    }
  }

  private spawnSandbox(job: LocalSandboxRun, dir: string, cgroups: InstanceCgroups, netns: string | undefined): Promise<number> {
    const { uid, gid } = job.user;
    const args = [this.state.scriptPath, 'host', 'build', dir, '-', 'build', String(uid), String(gid), '-', ...cgroups.dirs()];
    return new Promise((resolve, reject) => {
      // Its own process group: a cancel kills the init script and unshare, whose --kill-child then
      // ends the whole PID namespace; the cgroup catches anything that raced it.
      const child = spawn('/bin/bash', args, {
        cwd: dir,
        env: { ...INIT_SCRIPT_ENV, BERTH_DISK_MB: String(BUILD_SIZE.diskMb), ...(netns ? { BERTH_NETNS: netns } : {}) },
        detached: true,
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      const kill = (): void => {
        if (child.pid) try { process.kill(-child.pid, 'SIGKILL'); } catch { /* already gone */ }
        cgroups.killAll().catch(() => undefined);
      };
      job.signal?.addEventListener('abort', kill, { once: true });
      for (const stream of [child.stdout, child.stderr]) {
        stream.setEncoding('utf8').on('data', (c: string) => job.onOutput(c));
        stream.on('error', (e: Error) => job.onOutput(`berth: build output failed: ${e.message}\n`));
      }
      child.once('error', (e) => { job.signal?.removeEventListener('abort', kill); reject(e); });
      child.once('close', (code, signal) => {
        job.signal?.removeEventListener('abort', kill);
        if (job.signal?.aborted) return reject(cancelled());
        resolve(code ?? (signal ? 128 : 1));
      });
    });
  }

  private dir(id: string): string {
    return join(this.opts.stateDir, 'builds', id);
  }

  /** Named apart from instances' (whose ids are bare), so both can be told apart under berth/. */
  private cgroups(id: string): InstanceCgroups {
    return new InstanceCgroups(`build-${id}`, this.opts.cgroupRoot);
  }
}

/** Builds' namespaces are named apart from instances' (whose ids are bare). */
const networkId = (buildId: string): string => `build-${buildId}`;

function cancelled(): BerthError {
  return new BerthError('build_failed', 'Build was cancelled.');
}
