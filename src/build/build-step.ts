// Runs one command of a build: argv only, as the app's build user, output streamed line by line.
import { existsSync } from 'node:fs';
import { spawn } from 'node:child_process';
import { BerthError } from '../domain/errors.js';
import type { BuildUser, CompileContext } from './buildpack.js';
import { lineSplitter } from './line-splitter.js';

/** Heroku's indentation for output under a `----->` heading. */
export const INDENT = '       ';

/** A PATH that does not depend on root's (whose entries, e.g. under /root, the build user cannot read). */
export const BUILD_PATH = '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';

/** Config vars a build never takes from the app: they would break the toolchain (Heroku's list). */
const ENV_DENYLIST = new Set(['PATH', 'GIT_DIR', 'CPATH', 'CPPATH', 'LD_PRELOAD', 'LIBRARY_PATH', 'LD_LIBRARY_PATH']);

/**
 * How this host reaches the network (proxies, extra CA certificates): the operator's settings, which
 * builds need to download anything, and nothing else of Berth's own environment.
 */
const HOST_NETWORK_VARS = [
  'HTTP_PROXY', 'HTTPS_PROXY', 'NO_PROXY', 'http_proxy', 'https_proxy', 'no_proxy',
  'NODE_EXTRA_CA_CERTS', 'SSL_CERT_FILE', 'SSL_CERT_DIR', 'GIT_SSL_CAINFO', 'CURL_CA_BUNDLE', 'REQUESTS_CA_BUNDLE', 'PIP_CERT',
];

export function hostNetworkEnv(): Record<string, string> {
  const env: Record<string, string> = {};
  for (const k of HOST_NETWORK_VARS) { const v = process.env[k]; if (v) env[k] = v; }
  return env;
}

/** The build's private temp dir, beside its cache in the workspace. */
export const buildTmpDir = (cacheDir: string): string => `${cacheDir.replace(/\/+$/, '')}/../tmp`;

/**
 * The environment build commands see: a clean base, then the app's config vars, then what earlier
 * buildpacks exported (their PATH too: that is how a later one finds the tools they installed), then the buildpack's own.
 */
export function buildEnv(ctx: Pick<CompileContext, 'env' | 'cacheDir' | 'exported'>, extra: Record<string, string> = {}): Record<string, string> {
  // TMPDIR is the workspace's own (next to the cache): /tmp is shared by every app's builds.
  const env: Record<string, string> = { PATH: BUILD_PATH, HOME: `${ctx.cacheDir}/.home`, LANG: 'C.UTF-8', ...hostNetworkEnv() };
  const tmp = buildTmpDir(ctx.cacheDir);
  if (existsSync(tmp)) env.TMPDIR = tmp; // made by the slug builder; a buildpack compiled on its own keeps the default
  for (const [k, v] of Object.entries(ctx.env)) if (!ENV_DENYLIST.has(k)) env[k] = v;
  return { ...env, ...ctx.exported, ...extra };
}

export interface StepOptions {
  cwd: string;
  env: Record<string, string>;
  runAs?: BuildUser;
  signal?: AbortSignal;
  /** Receives each output line (stdout and stderr interleaved as they arrive). */
  onLine(line: string): void;
}

/** How long output may keep flowing after the step exits, from what escaped its process group. */
const DRAIN_MS = 2000;

/**
 * Runs the command and resolves with its exit code; rejects only if it cannot be started. When it
 * exits, what it left in its process group is killed (the build's end kills the rest of its uid).
 */
export function runStep(file: string, args: readonly string[], opts: StepOptions): Promise<number> {
  return new Promise((resolve, reject) => {
    if (opts.signal?.aborted) return reject(new BerthError('build_failed', 'Build was cancelled.'));
    // Its own process group, so a cancel also stops what npm or a buildpack spawned.
    const child = spawn(file, args, {
      cwd: opts.cwd, env: opts.env, uid: opts.runAs?.uid, gid: opts.runAs?.gid, detached: true, stdio: ['ignore', 'pipe', 'pipe'],
    });
    const lines = lineSplitter(opts.onLine);
    child.stdout.setEncoding('utf8').on('data', (c: string) => lines.push(c));
    child.stderr.setEncoding('utf8').on('data', (c: string) => lines.push(c));
    const killGroup = (): void => { if (child.pid) try { process.kill(-child.pid, 'SIGKILL'); } catch { /* already gone */ } };
    let drain: NodeJS.Timeout | undefined;
    opts.signal?.addEventListener('abort', killGroup, { once: true });
    child.on('exit', () => {
      killGroup();
      // A process outside the group (setsid) may still hold the output pipes open: stop waiting for them.
      drain = setTimeout(() => { child.stdout.destroy(); child.stderr.destroy(); }, DRAIN_MS);
    });
    child.on('error', (err) => { opts.signal?.removeEventListener('abort', killGroup); reject(err); });
    child.on('close', (code, sig) => {
      opts.signal?.removeEventListener('abort', killGroup);
      clearTimeout(drain);
      lines.flush();
      if (opts.signal?.aborted) return reject(new BerthError('build_failed', 'Build was cancelled.'));
      resolve(code ?? (sig ? 128 : 1));
    });
  });
}

/**
 * A buildpack's step: runs in the build dir with the build env, output indented under the
 * current heading; a non-zero exit fails the build with `failure` as the message.
 */
export async function buildStep(
  ctx: CompileContext, failure: string, file: string, args: readonly string[], extraEnv: Record<string, string> = {},
): Promise<void> {
  let code: number;
  try {
    code = await runStep(file, args, {
      cwd: ctx.buildDir, env: buildEnv(ctx, extraEnv), runAs: ctx.runAs, signal: ctx.signal, onLine: (l) => ctx.log(INDENT + l),
    });
  } catch (e) {
    if (e instanceof BerthError) throw e;
    throw new BerthError('build_failed', `${failure}: could not start ${file}: ${(e as Error).message}`);
  }
  if (code !== 0) throw new BerthError('build_failed', `${failure} (${[file, ...args].join(' ')} exited with ${code}).`);
}
