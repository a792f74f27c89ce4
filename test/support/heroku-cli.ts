// Harness for driving the official `heroku` CLI against a real Berth server (see docs/compat/heroku-cli.md).
import { spawn } from 'node:child_process';
import { existsSync, createReadStream } from 'node:fs';
import { mkdir, readdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { packSource } from '../../src/client/pack-source.js';
import { freePort, ROOT, startServer, tempDir, type CliResult } from './cli-harness.js';
import type { Dependency } from './require-dependency.js';

export const HEROKU_BIN = join(ROOT, 'test', 'compat', 'heroku-cli', 'node_modules', '.bin', 'heroku');

export const herokuCli: Dependency = {
  name: 'the official heroku CLI',
  check: () => (existsSync(HEROKU_BIN) ? undefined : `${HEROKU_BIN} does not exist`),
  install: 'bash scripts/install-heroku-cli.sh',
};

export interface BerthServer {
  apiUrl: string;
  /** BERTH_HOME, removed by stop(). */
  home: string;
  routerPort: number;
  /** The API (and git) over HTTPS (BERTH_API_HTTPS_PORT), with the certificate Berth made at start. */
  httpsUrl: string;
  /** That certificate (PEM), to trust: GIT_SSL_CAINFO, NODE_EXTRA_CA_CERTS. */
  apiCertFile: string;
  /** The router's HTTPS listener. */
  routerHttpsPort: number;
  token: string;
  adminEmail: string;
  /** The first admin's password, for a `berth login` as the README does it. */
  adminPassword: string;
  output(): string;
  /** fetch against the API with the admin token; JSON body parsed when there is one. */
  api(method: string, path: string, body?: unknown): Promise<{ status: number; body: any }>;
  stop(): Promise<void>;
}

/** A real `berth server` (local runtime, fresh BERTH_HOME), already logged in as the admin. */
export async function startBerth(env: Record<string, string> = {}): Promise<BerthServer> {
  const httpsPort = await freePort();
  const server = await startServer({ BERTH_BOOT_TIMEOUT: '10', BERTH_API_HTTPS_PORT: String(httpsPort), ...env });
  try {
    const basic = Buffer.from(`${server.adminEmail}:${server.adminPassword}`).toString('base64');
    const res = await fetch(`${server.url}/oauth/authorizations`, {
      method: 'POST',
      headers: { Authorization: `Basic ${basic}`, Accept: 'application/vnd.heroku+json; version=3', 'Content-Type': 'application/json' },
      body: JSON.stringify({ description: 'heroku CLI compat suite' }),
    });
    const token = ((await res.json()) as { access_token?: { token?: string } }).access_token?.token;
    if (!token) throw new Error(`login failed with ${res.status}`);
    const api: BerthServer['api'] = async (method, path, body) => {
      const headers: Record<string, string> = { Accept: 'application/vnd.heroku+json; version=3', Authorization: `Bearer ${token}` };
      if (body !== undefined) headers['Content-Type'] = 'application/json';
      const r = await fetch(server.url + path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
      const text = await r.text();
      let parsed: unknown = text;
      try { parsed = text ? JSON.parse(text) : undefined; } catch { /* not JSON: keep the text */ }
      return { status: r.status, body: parsed };
    };
    return {
      apiUrl: server.url, home: server.home, routerPort: server.routerPort, routerHttpsPort: server.routerHttpsPort, token,
      httpsUrl: `https://localhost:${httpsPort}`, apiCertFile: join(server.home, 'tls', 'api.crt'),
      adminEmail: server.adminEmail, adminPassword: server.adminPassword, output: server.output, api, stop: server.stop,
    };
  } catch (err) {
    await server.stop();
    throw new Error(`${(err as Error).message}:\n${server.output()}`);
  }
}

/** A private HOME / git config / XDG tree, with the terms-of-service notice already acknowledged. */
export async function herokuHome(): Promise<string> {
  const dir = await tempDir('berth-compat-heroku-');
  await mkdir(join(dir, '.cache', 'heroku'), { recursive: true });
  await writeFile(join(dir, '.cache', 'heroku', 'terms-of-service'), '');
  return dir;
}

/** The quiet, offline environment from the compat notes. */
export function herokuEnv(home: string, server: Pick<BerthServer, 'apiUrl' | 'token'>): Record<string, string> {
  return {
    PATH: process.env.PATH ?? '/usr/bin:/bin',
    HOME: home,
    GIT_CONFIG_GLOBAL: join(home, '.gitconfig'),
    GIT_CONFIG_NOSYSTEM: '1',
    XDG_CONFIG_HOME: join(home, '.config'),
    XDG_CACHE_HOME: join(home, '.cache'),
    XDG_DATA_HOME: join(home, '.local', 'share'),
    HEROKU_HOST: server.apiUrl,
    HEROKU_PARTICLEBOARD_URL: server.apiUrl,
    // `buildpacks:set heroku/nodejs` looks the name up in Heroku's buildpack registry; Berth answers for its own.
    HEROKU_BUILDPACK_REGISTRY_URL: server.apiUrl,
    HEROKU_API_KEY: server.token,
    HEROKU_SKIP_NEW_VERSION_CHECK: 'true',
    HEROKU_DISABLE_AUTOUPDATE: 'true',
    DISABLE_TELEMETRY: 'true',
    HEROKU_NOTIFICATIONS: '0',
    // pg:info and redis:cli call Heroku's data API at this host, on HEROKU_HOST's port and protocol.
    HEROKU_DATA_HOST: new URL(server.apiUrl).hostname,
    // pg:* and redis:* pick add-ons by service name; Berth's are postgresql and redis.
    HEROKU_POSTGRESQL_ADDON_NAME: 'postgresql',
    HEROKU_REDIS_ADDON_NAME: 'redis',
    NO_COLOR: '1',
  };
}

/**
 * Runs the heroku binary with argv only; stdin is closed (so a prompt cannot hang the run) or, with
 * `input`, carries that text and then ends (an interactive `redis:cli` session).
 */
export function heroku(args: string[], env: Record<string, string>, cwd: string, input?: string): Promise<CliResult> {
  return new Promise((res, rej) => {
    const child = spawn(HEROKU_BIN, args, { cwd, env, stdio: [input === undefined ? 'ignore' : 'pipe', 'pipe', 'pipe'] });
    // The CLI may exit before reading all of it; the exit code and output tell what happened.
    child.stdin?.once('error', () => undefined).end(input);
    let stdout = '';
    let stderr = '';
    child.stdout!.setEncoding('utf8').on('data', (c: string) => (stdout += c));
    child.stderr!.setEncoding('utf8').on('data', (c: string) => (stderr += c));
    const timer = setTimeout(() => child.kill('SIGKILL'), 30_000);
    child.once('error', rej);
    child.once('close', (code) => {
      clearTimeout(timer);
      res({ code: code ?? 1, stdout, stderr });
    });
  });
}

/** A heroku command that keeps running (`logs --tail`): its output so far, a wait for a line, and a stop. */
export interface RunningHeroku {
  stdout(): string;
  /** Resolves once stdout matches, rejects if the CLI exits first or `timeoutMs` passes. */
  waitFor(pattern: RegExp, timeoutMs?: number): Promise<void>;
  /** Sends SIGINT (Ctrl-C, as a user stops a tail) and resolves with the result once the CLI has exited. */
  stop(): Promise<CliResult>;
}

export function startHeroku(args: string[], env: Record<string, string>, cwd: string): RunningHeroku {
  const child = spawn(HEROKU_BIN, args, { cwd, env, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  let exit: CliResult | undefined;
  const waiters = new Set<() => void>();
  const wake = () => { for (const w of [...waiters]) w(); };
  child.stdout!.setEncoding('utf8').on('data', (c: string) => { stdout += c; wake(); });
  child.stderr!.setEncoding('utf8').on('data', (c: string) => (stderr += c));
  const exited = new Promise<CliResult>((res) => {
    child.once('error', (err) => { exit = { code: 1, stdout, stderr: `${stderr}${err.message}` }; wake(); res(exit); });
    child.once('close', (code) => { exit = { code: code ?? 1, stdout, stderr }; wake(); res(exit); });
  });
  const waitFor = (pattern: RegExp, timeoutMs = 30_000) => new Promise<void>((res, rej) => {
    const check = () => {
      if (pattern.test(stdout)) return done(res);
      if (exit) done(() => rej(new Error(`heroku ${args.join(' ')} exited ${exit!.code} before printing ${pattern}
stdout: ${stdout}
stderr: ${stderr}`)));
    };
    const timer = setTimeout(() => done(() => rej(new Error(`no ${pattern} from heroku ${args.join(' ')} within ${timeoutMs} ms
stdout: ${stdout}
stderr: ${stderr}`))), timeoutMs);
    const done = (f: () => void) => { clearTimeout(timer); waiters.delete(check); f(); };
    waiters.add(check);
    check();
  });
  const stop = async () => {
    if (!exit) child.kill('SIGINT');
    // A CLI that ignores Ctrl-C must not outlive the test.
    const killer = setTimeout(() => child.kill('SIGKILL'), 10_000);
    try { return await exited; } finally { clearTimeout(killer); }
  };
  return { stdout: () => stdout, waitFor, stop };
}

/**
 * Deploys `dir` the way Heroku's source API works (POST /sources, PUT the tarball, POST builds,
 * follow output_stream_url), then waits for web.1 to be up. Returns the build output.
 */
export async function deployThroughApi(server: BerthServer, app: string, dir: string): Promise<string> {
  const packed = await packSource(dir);
  try {
    const src = await server.api('POST', '/sources');
    if (src.status !== 201) throw new Error(`POST /sources: ${src.status} ${JSON.stringify(src.body)}`);
    const put = await fetch(src.body.source_blob.put_url, {
      method: 'PUT',
      body: createReadStream(packed.file) as unknown as BodyInit,
      headers: { 'Content-Length': String(packed.bytes) },
      duplex: 'half',
    } as RequestInit);
    if (!put.ok) throw new Error(`PUT source: ${put.status} ${await put.text()}`);
    const build = await server.api('POST', `/apps/${app}/builds`, { source_blob: { url: src.body.source_blob.get_url, version: 'compat' } });
    if (build.status !== 201) throw new Error(`POST builds: ${build.status} ${JSON.stringify(build.body)}`);
    const output = await (await fetch(build.body.output_stream_url)).text();
    const done = await server.api('GET', `/apps/${app}/builds/${build.body.id}`);
    if (done.body?.status !== 'succeeded') throw new Error(`build ${done.body?.status}:\n${output}`);
    await waitForWebUp(server, app);
    return output;
  } finally {
    await packed.remove();
  }
}

/** Polls GET /apps/{app}/dynos until web.1 is `up` (and, with `replacing`, is not that dyno id any more). */
export async function waitForWebUp(server: BerthServer, app: string, replacing?: string, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    const dynos = await server.api('GET', `/apps/${app}/dynos`);
    last = dynos.body;
    if (Array.isArray(dynos.body) && dynos.body.some((d: { id: string; name: string; state: string }) => d.name === 'web.1' && d.state === 'up' && d.id !== replacing)) return;
    if (Date.now() > deadline) throw new Error(`web.1 of ${app} not up within ${timeoutMs} ms: ${JSON.stringify(last)}`);
    await sleep(300);
  }
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * Destroys the apps, then waits (bounded) until the local runtime has removed every instance:
 * instances outlive a server stop by design, and a stop in the middle of their removal would
 * leave processes and cgroups behind.
 */
export async function destroyApps(server: BerthServer, apps: Iterable<string>, timeoutMs = 20_000): Promise<void> {
  for (const app of apps) await server.api('DELETE', `/apps/${app}`).catch(() => undefined);
  const instances = join(server.home, 'runtime', 'instances');
  const deadline = Date.now() + timeoutMs;
  while ((await readdir(instances).catch(() => [])).length > 0 && Date.now() < deadline) await sleep(200);
}
