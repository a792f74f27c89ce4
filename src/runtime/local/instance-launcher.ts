// Prepares one instance's sandbox (state dir, cgroups, app directory) and spawns the init
// script for it. Shared by long-running instances (detached) and one-offs (attached).
import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync, openSync } from 'node:fs';
import { chmod, cp, mkdir, stat } from 'node:fs/promises';
import { runChecked } from '../../platform/exec.js';
import { memoryBackedDiskMb } from '../../domain/sizes.js';
import type { SandboxAttachment, SandboxNetwork } from '../../platform/sandbox-network/sandbox-network.js';
import type { InstanceSpec } from '../runtime.js';
import { appUid } from './app-user.js';
import { InstanceCgroups } from './cgroups.js';
import { INIT_SCRIPT_ENV, instanceEnv } from './instance-env.js';
import type { InstanceStateDir, IsolationMode } from './instance-state.js';
import type { Privileges } from '../../platform/privileges.js';

/** Where the app sees itself inside its mount namespace, as on Heroku. */
const SANDBOX_APP_DIR = '/app';
/** Paths end up in overlayfs mount options, where these characters are separators. */
const MOUNT_SAFE_PATH = /^\/[A-Za-z0-9._/+@-]*$/;

export interface LaunchRequest {
  id: string;
  /** Dyno name (`web.1`, `run.4821`): DYNO and the hostname. */
  name: string;
  spec: Omit<InstanceSpec, 'index'>;
  port: number;
  mode: IsolationMode;
  /**
   * `detached`: a long-running instance in its own session, output appended to its log file, so
   * it survives Berth. `attached`: a one-off with piped stdio that ends with its caller. Both lead
   * their own session, so a stop can signal every process the command started.
   */
  attach: 'detached' | 'attached';
  /** Isolated mode: the instance gets its own namespace on this network (its address, its $PORT). */
  network?: SandboxNetwork;
  /** Whether Berth runs as root (then even a plain instance runs as the app's own user). */
  privileges: Privileges;
}

export interface Launched {
  child: ChildProcess;
  cgroups: InstanceCgroups | undefined;
  network: SandboxAttachment | undefined;
}

export async function launchInstance(state: InstanceStateDir, req: LaunchRequest, cgroupRoot?: string): Promise<Launched> {
  const isolated = req.mode === 'isolated';
  if (isolated) {
    for (const path of [req.spec.slug, state.dir(req.id)]) {
      if (!MOUNT_SAFE_PATH.test(path)) throw new Error(`path ${JSON.stringify(path)} cannot be used in an overlay mount`);
    }
  }
  const appDir = isolated ? SANDBOX_APP_DIR : state.plainAppDir(req.id);
  await state.create(req.id, instanceEnv(req.spec.env, { port: req.port, dyno: req.name, appDir }));

  const uid = String(appUid(req.spec.appId));
  let cgroups: InstanceCgroups | undefined;
  let network: SandboxAttachment | undefined;
  if (isolated) {
    await ownSlug(req.spec.slug, uid);
    // The mount point must exist on the host; the overlay is only ever mounted inside the instance.
    await mkdir(SANDBOX_APP_DIR, { recursive: true });
    cgroups = new InstanceCgroups(req.id, cgroupRoot);
    await cgroups.create(req.spec.size);
    // After state.create: a crash from here on leaves an instance dir, which the next start sweeps.
    network = await req.network?.attach(req.id);
  } else {
    // Without overlayfs a private copy keeps the app's writes away from the shared slug.
    await state.createPlainAppsRoot();
    await cp(req.spec.slug, appDir, { recursive: true, preserveTimestamps: true });
    // As root the init script drops to the app's uid even here, so the copy must be the app's, and its alone.
    if (req.privileges.root) {
      await runChecked('/bin/chown', ['-R', '--no-dereference', `${uid}:${uid}`, '--', appDir]);
      await chmod(appDir, 0o700);
    }
  }

  const args = [
    state.scriptPath, 'host', req.mode, state.dir(req.id), isolated ? req.spec.slug : appDir,
    req.name, uid, uid, req.spec.command, ...(cgroups?.dirs() ?? []),
  ];
  const detached = req.attach === 'detached';
  const logFd = detached ? openSync(state.logPath(req.id), 'a', 0o600) : undefined;
  try {
    const child = spawn('/bin/bash', args, {
      cwd: state.dir(req.id),
      // The namespace to enter reaches the fixed script as data, like every other argument.
      env: { ...INIT_SCRIPT_ENV, BERTH_DISK_MB: String(memoryBackedDiskMb(req.spec.size)), ...(network ? { BERTH_NETNS: network.netnsPath } : {}) },
      detached: true,
      stdio: logFd === undefined ? 'pipe' : ['ignore', logFd, logFd],
    });
    return { child, cgroups, network };
  } finally {
    if (logFd !== undefined) closeSync(logFd);
  }
}

/**
 * Heroku apps may write anywhere in /app (Rails writes /app/tmp, /app/log). The overlay copies a
 * file up with its owner, so the slug's files must belong to the app's user for that to work;
 * kernels' idmapped mounts would avoid this but util-linux 2.38 cannot make them. Done once per
 * slug. The slug stays unchanged: the app only ever reaches it through the overlay, and the
 * slug store keeps it under a directory (BERTH_HOME, 0700) the app user cannot traverse.
 */
async function ownSlug(slug: string, uid: string): Promise<void> {
  const info = await stat(slug);
  if (String(info.uid) === uid) return;
  await runChecked('/bin/chown', ['-R', '--no-dereference', `${uid}:${uid}`, '--', slug]);
}
