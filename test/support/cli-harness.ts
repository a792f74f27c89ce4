// End-to-end harness for the CLI: a real `berth server` child process and real `bin/berth.js` runs.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readdir, readFile, readlink, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';

/**
 * The repository root: the nearest folder up from here holding bin/berth.js. Not a fixed '../..',
 * because the benchmarks compile this harness into bench/dist/test/support/ and run it from there.
 */
export const ROOT = repositoryRoot(import.meta.dirname);

export const BIN = join(ROOT, 'bin', 'berth.js');

/**
 * Compiles src/ into dist/ so bin/berth.js runs the current code; a type error elsewhere still emits.
 * One build at a time on the machine, and none while dist/ is newer than src/.
 */
export function buildDist(): void {
  // Built once per change of src/ (not once per test file): a rebuild rewrites dist/ under the
  // servers of files already running, whose sandboxed builds copy Berth's code from it.
  const once = join(ROOT, 'test', 'support', 'build-dist-once.mjs');
  spawnSync('flock', ['/tmp/berth-e2e-dist.lock', process.execPath, once, ROOT], { cwd: ROOT, stdio: 'ignore' });
  for (const f of ['dist/main/cli.js', 'dist/main/server.js']) {
    if (!existsSync(join(ROOT, f))) throw new Error(`${f} is missing after the build`);
  }
}

function repositoryRoot(from: string): string {
  for (let dir = from; ; dir = dirname(dir)) {
    if (existsSync(join(dir, 'bin', 'berth.js')) && existsSync(join(dir, 'package.json'))) return dir;
    if (dirname(dir) === dir) return resolve(from, '../..');
  }
}

export function freePort(): Promise<number> {
  return new Promise((res, rej) => {
    const srv = createServer();
    srv.once('error', rej);
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      srv.close(() => (addr && typeof addr === 'object' ? res(addr.port) : rej(new Error('no port'))));
    });
  });
}

/**
 * SIGKILLs the `berth api` / `berth router` processes that BERTH_HOME/run names, if they are still
 * alive: a supervisor killed with SIGKILL leaves its router serving, by design.
 */
export async function killLeftoverRoles(home: string): Promise<void> {
  for (const role of ['api', 'router']) {
    const pid = Number((await readFile(join(home, 'run', `${role}.pid`), 'utf8').catch(() => '')).trim());
    if (!(pid > 1)) continue;
    const args = (await readFile(`/proc/${pid}/cmdline`, 'utf8').catch(() => '')).split('\0');
    if (!args.includes(BIN) || !args.includes(role)) continue;
    try { process.kill(pid, 'SIGKILL'); } catch { continue; }
    // A zombie (not yet reaped) has an empty command line: gone for our purpose.
    for (let i = 0; i < 200 && (await readFile(`/proc/${pid}/cmdline`, 'utf8').then((t) => t.length > 0, () => false)); i++) await new Promise((r) => setTimeout(r, 50));
  }
}

/**
 * Ends the add-on servers (PostgreSQL, Redis) that keep their data in `home`: they are detached
 * from Berth by design and outlive its stop, and the home goes right after, so they end with it.
 */
export async function endAddonServers(home: string): Promise<void> {
  const dir = join(home, 'addons');
  for (const entry of await readdir('/proc')) {
    if (!/^\d+$/.test(entry) || Number(entry) === process.pid) continue;
    const cmdline = await readFile(`/proc/${entry}/cmdline`, 'utf8').catch(() => '');
    const cwd = await readlink(`/proc/${entry}/cwd`).catch(() => '');
    if (cmdline.includes(dir) || cwd.startsWith(dir)) try { process.kill(Number(entry), 'SIGKILL'); } catch { /* gone */ }
  }
}

export const tempDir = (prefix: string): Promise<string> => mkdtemp(join(tmpdir(), prefix));

export interface RunningServer {
  url: string;
  home: string;
  routerPort: number;
  /** The router's HTTPS listener. */
  routerHttpsPort: number;
  adminEmail: string;
  adminPassword: string;
  /** Everything the server printed, for failure messages. */
  output(): string;
  stop(): Promise<void>;
}

/**
 * What every test server takes from the machine: its proxy and CA settings and npm registry (the
 * Node.js buildpack's releases come from there), and one cache of Node.js release tarballs shared
 * by every test server, so each release is downloaded once per machine rather than once per BERTH_HOME.
 */
export function machineServerEnv(): Record<string, string> {
  const env: Record<string, string> = {
    BERTH_NODE_RELEASES_DIR: join(tmpdir(), 'berth-test-node-releases'),
    // Fixtures without engines.node keep the stack's Node.js: unpacking a 185 MB release into every
    // test deploy would cost minutes of CI. node-version-local.test.ts runs the default (lts) path.
    BERTH_NODE_DEFAULT: 'stack',
    // The tests' webhook and drain receivers run on this machine: its loopback is allowed, as an
    // operator allows a LAN log server. Other private addresses stay refused (the e2e tests check it).
    BERTH_OUTBOUND_ALLOW: '127.0.0.0/8,::1',
  };
  for (const k of ['HTTP_PROXY', 'HTTPS_PROXY', 'NO_PROXY', 'http_proxy', 'https_proxy', 'no_proxy', 'NODE_EXTRA_CA_CERTS', 'npm_config_registry', 'NPM_CONFIG_REGISTRY']) {
    const v = process.env[k];
    if (v) env[k] = v;
  }
  return env;
}

/** A real `berth server` on free ports with a fresh BERTH_HOME; `env` adds or overrides settings. */
export async function startServer(env: Record<string, string> = {}): Promise<RunningServer> {
  const home = await tempDir('berth-e2e-home-');
  // A test that must know the router's port before the server starts (a CA validating on it) names it.
  const [apiPort, routerPort, routerHttpsPort] = [await freePort(), env.BERTH_ROUTER_PORT ? Number(env.BERTH_ROUTER_PORT) : await freePort(), await freePort()];
  const adminEmail = 'admin@example.com';
  const adminPassword = 'admin-password-123';
  const url = `http://localhost:${apiPort}`;
  const child: ChildProcess = spawn(process.execPath, [BIN, 'server'], {
    cwd: ROOT,
    env: {
      PATH: process.env.PATH,
      BERTH_HOME: home,
      BERTH_API_PORT: String(apiPort),
      BERTH_ROUTER_PORT: String(routerPort),
      BERTH_ROUTER_HTTPS_PORT: String(routerHttpsPort),
      BERTH_RENDEZVOUS_PORT: '0',
      BERTH_API_URL: url,
      BERTH_ADMIN_EMAIL: adminEmail,
      BERTH_ADMIN_PASSWORD: adminPassword,
      BERTH_RUNTIME: 'local',
      ...machineServerEnv(),
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout?.on('data', (c) => (output += c));
  child.stderr?.on('data', (c) => (output += c));
  const exited = new Promise<void>((r) => child.once('exit', () => r()));

  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
      await exited;
      clearTimeout(timer);
    }
    await killLeftoverRoles(home);
    await endAddonServers(home);
    await rm(home, { recursive: true, force: true, maxRetries: 5 });
  };

  const deadline = Date.now() + 30_000;
  for (;;) {
    if (child.exitCode !== null) {
      await stop();
      throw new Error(`berth server exited with ${child.exitCode}:\n${output}`);
    }
    const ok = await fetch(`${url}/health`).then((r) => r.status === 200, () => false);
    if (ok) break;
    if (Date.now() > deadline) {
      await stop();
      throw new Error(`berth server did not answer /health within 30 s:\n${output}`);
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  return { url, home, routerPort, routerHttpsPort, adminEmail, adminPassword, output: () => output, stop };
}

export interface CliResult { code: number; stdout: string; stderr: string }

export interface CliRunOptions {
  home: string;
  apiUrl: string;
  cwd?: string;
  input?: string;
  env?: Record<string, string>;
  /** After this the run is killed (exit code 1): 20 s, enough for every command but a deploy on docker. */
  timeoutMs?: number;
}

/** Runs `bin/berth.js` as a user would, with its own HOME (so its own ~/.netrc) and no inherited tokens. */
export function berth(args: string[], opts: CliRunOptions): Promise<CliResult> {
  return new Promise((res, rej) => {
    const child = spawn(process.execPath, [BIN, ...args], {
      cwd: opts.cwd ?? opts.home,
      env: {
        PATH: process.env.PATH,
        HOME: opts.home,
        BERTH_API_URL: opts.apiUrl,
        GIT_CONFIG_NOSYSTEM: '1',
        ...opts.env,
      },
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (c: string) => (stdout += c));
    child.stderr.setEncoding('utf8').on('data', (c: string) => (stderr += c));
    const timer = setTimeout(() => child.kill('SIGKILL'), opts.timeoutMs ?? 20_000);
    child.once('error', rej);
    child.once('close', (code) => {
      clearTimeout(timer);
      res({ code: code ?? 1, stdout, stderr });
    });
    child.stdin.end(opts.input ?? '');
  });
}

/** A fresh git repository (argv-only git calls). */
export async function gitRepo(): Promise<string> {
  const dir = await tempDir('berth-e2e-repo-');
  const r = spawnSync('git', ['init', '-q', dir], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`git init failed: ${r.stderr}`);
  return dir;
}

export function gitConfigGet(cwd: string, key: string): string | undefined {
  const r = spawnSync('git', ['config', '--get', key], { cwd, encoding: 'utf8', env: { ...process.env, GIT_CONFIG_NOSYSTEM: '1' } });
  return r.status === 0 ? r.stdout.trim() : undefined;
}
