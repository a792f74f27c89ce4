// End-to-end harness for the platform at the API level: a real `berth server` child process with
// its own BERTH_HOME and ports, real deploys of the fixture apps, real requests through the router.
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { cp, mkdtemp, readdir, readFile, readlink, rm } from 'node:fs/promises';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, expect } from 'vitest';
import { BIN, ROOT, buildDist, freePort, endAddonServers, killLeftoverRoles, machineServerEnv } from './cli-harness.js';

const run = promisify(execFile);
export const FIXTURES = join(ROOT, 'test', 'fixtures', 'apps');
export const fixture = (name: string): string => join(FIXTURES, name);

const ADMIN_EMAIL = 'admin@example.com';
const ADMIN_PASSWORD = 'platform-e2e-password';

export { buildDist } from './cli-harness.js';

export interface ApiResponse { status: number; body: any }
export interface RouterResponse { status: number; text: string; headers: Record<string, string | string[] | undefined> }
export interface Deployed { build: any; output: string }
export interface Dyno { id: string; name: string; type: string; state: string; release: { id: string; version: number } }

/** Polls `probe` until it returns a truthy value; throws with `what` (and the last value) after timeoutMs. */
export async function waitFor<T>(probe: () => Promise<T> | T, timeoutMs: number, what = 'condition', intervalMs = 200): Promise<Truthy<T>> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      last = await probe();
      if (last) return last as Truthy<T>;
    } catch (e) {
      last = e;
    }
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}; last: ${String(last instanceof Error ? last.message : JSON.stringify(last))}`);
    await sleep(intervalMs);
  }
}

type Truthy<T> = Exclude<T, false | 0 | '' | null | undefined>;

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export class Platform {
  token = '';
  private child: ChildProcess | undefined;
  private exited: Promise<void> = Promise.resolve();
  private outputText = '';
  private readonly tempDirs: string[] = [];

  private constructor(readonly home: string, readonly apiPort: number, readonly routerPort: number, readonly routerHttpsPort: number, private readonly extraEnv: Record<string, string>) {}

  static async start(env: Record<string, string> = {}): Promise<Platform> {
    const home = await mkdtemp(join(tmpdir(), 'berth-platform-'));
    const p = new Platform(home, await freePort(), await freePort(), await freePort(), env);
    try {
      await p.startServer();
      await p.login();
    } catch (e) {
      await p.stop().catch(() => undefined);
      throw e;
    }
    return p;
  }

  get apiUrl(): string {
    return `http://127.0.0.1:${this.apiPort}`;
  }

  /** Everything the server printed, for failure messages. */
  output(): string {
    return this.outputText;
  }

  /** The environment every Berth process of this platform runs with. */
  private serverEnv(): NodeJS.ProcessEnv {
    return {
        PATH: process.env.PATH,
        BERTH_HOME: this.home,
        BERTH_API_PORT: String(this.apiPort),
        BERTH_API_HOST: '127.0.0.1',
        BERTH_ROUTER_PORT: String(this.routerPort),
        BERTH_ROUTER_HTTPS_PORT: String(this.routerHttpsPort),
        BERTH_ROUTER_HOST: '127.0.0.1',
        BERTH_RENDEZVOUS_PORT: '0',
        BERTH_API_URL: this.apiUrl,
        BERTH_ADMIN_EMAIL: ADMIN_EMAIL,
        BERTH_ADMIN_PASSWORD: ADMIN_PASSWORD,
        BERTH_RUNTIME: 'local',
        // Long enough for `npm start` on a loaded 2-core machine; suites about R10 set a shorter one.
        BERTH_BOOT_TIMEOUT: '20',
        ...machineServerEnv(),
        ...this.extraEnv,
    };
  }

  /**
   * Starts (or starts again, on the same home and ports) `berth server` (the supervisor of the API
   * and the router) and waits until the API answers /health and the router accepts requests.
   */
  async startServer(): Promise<void> {
    const child = spawn(process.execPath, [BIN, 'server'], { cwd: ROOT, env: this.serverEnv(), stdio: ['ignore', 'pipe', 'pipe'] });
    this.child = child;
    child.stdout?.on('data', (c) => (this.outputText += c));
    child.stderr?.on('data', (c) => (this.outputText += c));
    this.exited = new Promise<void>((r) => child.once('exit', () => r()));
    await waitFor(async () => {
      if (child.exitCode !== null) throw new Error(`berth server exited with ${child.exitCode}:\n${this.outputText}`);
      return fetch(`${this.apiUrl}/health`).then((r) => r.status === 200, () => false);
    }, 30_000, 'the server to answer /health', 100).catch((e: Error) => {
      throw new Error(`${e.message}\n${this.outputText}`);
    });
    await this.waitForRouter();
  }

  /** Waits until something answers HTTP on the router port. */
  async waitForRouter(timeoutMs = 30_000): Promise<void> {
    await waitFor(() => this.get('router-check', '/', 1000).then(() => true, () => false), timeoutMs, 'the router to answer', 100)
      .catch((e: Error) => { throw new Error(`${e.message}\n${this.outputText}`); });
  }

  /** The pid a Berth process of this home (`api` or `router`) recorded in BERTH_HOME/run. */
  async rolePid(role: 'api' | 'router'): Promise<number | undefined> {
    const pid = Number((await readFile(join(this.home, 'run', `${role}.pid`), 'utf8').catch(() => '')).trim());
    return pid > 1 ? pid : undefined;
  }

  /** SIGKILLs the API child and waits until the supervisor's new API answers /health. */
  async killApi(): Promise<{ killed: number; replacement: number }> {
    const killed = await this.rolePid('api');
    if (!killed) throw new Error('no API pid file');
    process.kill(killed, 'SIGKILL');
    await waitFor(() => !isAlive(killed), 10_000, `API ${killed} to die`, 20);
    const replacement = await waitFor(async () => {
      const pid = await this.rolePid('api');
      return pid !== killed && pid && (await fetch(`${this.apiUrl}/health`).then((r) => r.status === 200, () => false)) && pid;
    }, 60_000, 'a new API to answer /health', 50);
    return { killed, replacement };
  }

  /** SIGKILLs the router child and waits until the supervisor's new router answers. */
  async killRouter(): Promise<{ killed: number; replacement: number }> {
    const killed = await this.rolePid('router');
    if (!killed) throw new Error('no router pid file');
    process.kill(killed, 'SIGKILL');
    await waitFor(() => !isAlive(killed), 10_000, `router ${killed} to die`, 20);
    const replacement = await waitFor(async () => {
      const pid = await this.rolePid('router');
      return pid !== killed && pid && isAlive(pid) && pid;
    }, 60_000, 'a new router', 50);
    await this.waitForRouter();
    return { killed, replacement };
  }

  /** `berth router` on its own (no supervisor, no API), as an operator would start it. */
  async startRouterOnly(): Promise<ChildProcess> {
    const child = spawn(process.execPath, [BIN, 'router'], { cwd: ROOT, env: this.serverEnv(), stdio: ['ignore', 'pipe', 'pipe'] });
    child.stdout?.on('data', (c) => (this.outputText += c));
    child.stderr?.on('data', (c) => (this.outputText += c));
    await this.waitForRouter();
    return child;
  }

  /** SIGTERMs the server and waits for it to exit; instances keep running (the next server adopts them). */
  async stopServer(): Promise<void> {
    const child = this.child;
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
    await this.exited;
    clearTimeout(timer);
  }

  /**
   * SIGKILLs the supervisor, as a crash would: nothing of it gets to clean up. Its API follows it;
   * its router keeps serving (the next startServer() adopts it, stop() ends it).
   */
  async killServer(): Promise<void> {
    const child = this.child;
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    child.kill('SIGKILL');
    await this.exited;
  }

  private async login(): Promise<void> {
    this.token = await this.authorize(ADMIN_EMAIL, ADMIN_PASSWORD);
  }

  /** A new API token for the user, as `berth login` gets one. */
  private async authorize(email: string, password: string): Promise<string> {
    const basic = Buffer.from(`${email}:${password}`).toString('base64');
    const res = await fetch(`${this.apiUrl}/oauth/authorizations`, {
      method: 'POST',
      headers: { Authorization: `Basic ${basic}`, 'Content-Type': 'application/json', Accept: 'application/vnd.heroku+json; version=3' },
      body: JSON.stringify({ description: 'platform e2e' }),
    });
    const body = (await res.json()) as any;
    if (res.status !== 201) throw new Error(`login of ${email} failed: ${res.status} ${JSON.stringify(body)}`);
    return body.access_token.token as string;
  }

  /**
   * The same platform acting as a new ordinary user (the admin adds it): api(), deploy() and the
   * other calls of the returned view carry that user's token. Only the original stops the server.
   */
  async as(email: string): Promise<Platform> {
    const password = `tenant-${email}-password`;
    await this.ok('POST', '/users', { email, password });
    const view = Object.create(this) as Platform;
    view.token = await this.authorize(email, password);
    view.stop = () => Promise.reject(new Error('stop() the platform, not a user view of it'));
    return view;
  }

  /** JSON in, JSON out, as the admin. */
  async api(method: string, path: string, body?: unknown): Promise<ApiResponse> {
    const headers: Record<string, string> = { Accept: 'application/vnd.heroku+json; version=3', Authorization: `Bearer ${this.token}` };
    if (body !== undefined) headers['Content-Type'] = 'application/json';
    const res = await fetch(this.apiUrl + path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
    const text = await res.text();
    let parsed: unknown = text;
    try { parsed = text ? JSON.parse(text) : undefined; } catch { /* not JSON: keep the text */ }
    return { status: res.status, body: parsed };
  }

  /** Like api(), but throws unless the status is 2xx. */
  async ok(method: string, path: string, body?: unknown): Promise<any> {
    const res = await this.api(method, path, body);
    if (res.status < 200 || res.status > 299) throw new Error(`${method} ${path} → ${res.status} ${JSON.stringify(res.body)}`);
    return res.body;
  }

  createApp(name: string): Promise<any> {
    return this.ok('POST', '/apps', { name });
  }

  /** Uploads the directory as a source tarball, builds it, follows the output to its end. */
  async deploy(app: string, dir: string, version: string): Promise<Deployed> {
    const work = await this.tempDir('berth-platform-src-');
    const tarball = join(work, 'source.tar.gz');
    await run('tar', ['-czf', tarball, '-C', dir, '.']);
    const { source_blob: blob } = await this.ok('POST', '/sources');
    const put = await fetch(blob.put_url, { method: 'PUT', body: await readFile(tarball) });
    if (put.status !== 200) throw new Error(`PUT source → ${put.status} ${await put.text()}`);
    const created = await this.ok('POST', `/apps/${app}/builds`, { source_blob: { url: blob.get_url, version } });
    const output = await (await fetch(created.output_stream_url)).text();
    const build = await waitFor(async () => {
      const b = await this.ok('GET', `/apps/${app}/builds/${created.id}`);
      return b.status !== 'pending' && b;
    }, 10_000, `build ${created.id} to finish`);
    return { build, output };
  }

  /** A deploy that must succeed (build status succeeded). */
  async deployOk(app: string, dir: string, version: string): Promise<Deployed> {
    const d = await this.deploy(app, dir, version);
    if (d.build.status !== 'succeeded') throw new Error(`deploy of ${app} ${version} ${d.build.status}:\n${d.output}`);
    return d;
  }

  /** A copy of a fixture in a temp dir (removed by stop()), to modify for a new version. */
  async copyFixture(name: string): Promise<string> {
    const dir = await this.tempDir('berth-platform-app-');
    await cp(fixture(name), dir, { recursive: true });
    return dir;
  }

  async tempDir(prefix: string): Promise<string> {
    const dir = await mkdtemp(join(tmpdir(), prefix));
    this.tempDirs.push(dir);
    return dir;
  }

  /** A request through the router, as `<app>.localhost`. */
  get(app: string, path = '/', timeoutMs = 5000): Promise<RouterResponse> {
    return new Promise((resolve, reject) => {
      const req = request({ host: '127.0.0.1', port: this.routerPort, path, headers: { Host: `${app}.localhost` }, timeout: timeoutMs }, (res) => {
        let text = '';
        res.setEncoding('utf8').on('data', (c: string) => (text += c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, text, headers: res.headers }));
        res.on('error', reject);
      });
      req.on('timeout', () => req.destroy(new Error(`GET ${app}${path} timed out`)));
      req.on('error', reject);
      req.end();
    });
  }

  dynos(app: string): Promise<Dyno[]> {
    return this.ok('GET', `/apps/${app}/dynos`);
  }

  /** Waits until `count` dynos of `type` are up (and none of that type is in another state). */
  waitForUp(app: string, count: number, type = 'web', timeoutMs = 20_000): Promise<Dyno[]> {
    return waitFor(async () => {
      const ds = (await this.dynos(app)).filter((d) => d.type === type);
      return ds.length === count && ds.every((d) => d.state === 'up') && ds;
    }, timeoutMs, `${count} ${type} dyno(s) of ${app} up`);
  }

  async scale(app: string, type: string, quantity: number): Promise<void> {
    await this.ok('PATCH', `/apps/${app}/formation`, { updates: [{ type, quantity }] });
  }

  /** The app's recent log lines (a tail=false log session). */
  async logs(app: string, opts: { lines?: number; source?: string; dyno?: string } = {}): Promise<string> {
    const session = await this.ok('POST', `/apps/${app}/log-sessions`, { lines: opts.lines ?? 1500, tail: false, source: opts.source, dyno: opts.dyno });
    return (await fetch(session.logplex_url)).text();
  }

  /** A tail=true log session: collects lines until stop() (or the server ends it). */
  async tail(app: string): Promise<{ text(): string; stop(): void }> {
    const session = await this.ok('POST', `/apps/${app}/log-sessions`, { lines: 0, tail: true });
    const abort = new AbortController();
    let text = '';
    const res = await fetch(session.logplex_url, { signal: abort.signal });
    void (async () => {
      try {
        for await (const chunk of res.body!) text += Buffer.from(chunk).toString('utf8');
      } catch { /* aborted */ }
    })();
    return { text: () => text, stop: () => abort.abort() };
  }

  /** The ids of the instance directories the local runtime keeps. */
  async instanceIds(): Promise<string[]> {
    return readdir(join(this.home, 'runtime', 'instances')).catch(() => []);
  }

  /** The pid the runtime recorded for an instance: its init process, leader of the instance's process group. */
  async instancePid(id: string): Promise<number> {
    const record = JSON.parse(await readFile(join(this.home, 'runtime', 'instances', id, 'instance.json'), 'utf8'));
    return record.pid as number;
  }

  /** The init process of every instance and all its descendants. */
  async instanceProcesses(): Promise<number[]> {
    const pids: number[] = [];
    for (const id of await this.instanceIds()) {
      const pid = await this.instancePid(id).catch(() => 0);
      if (pid > 0) pids.push(pid, ...(await descendants(pid)).map((d) => d.pid));
    }
    return pids;
  }

  /** Processes still running from this platform's instances (their init processes name the state dir). */
  leftovers(): Promise<number[]> {
    return processesMatching(this.home);
  }

  /** Berth's own processes of this platform still running (after stop(): none, not even a router). */
  serverProcesses(): Promise<number[]> {
    return berthProcessesOf(this.home);
  }

  /** Destroys every app, waits until their instances are gone, stops the server, removes the temp dirs. */
  async stop(): Promise<void> {
    let problem: unknown;
    try {
      if (this.child && this.child.exitCode === null) {
        // Every process of every instance, the apps' own included (they do not name BERTH_HOME).
        const pids = await this.instanceProcesses();
        const apps = (await this.ok('GET', '/apps')) as { name: string }[];
        for (const a of apps) await this.ok('DELETE', `/apps/${a.name}`);
        await waitFor(async () => (await this.instanceIds()).length === 0, 30_000, 'every instance to be removed');
        await waitFor(async () => (await this.leftovers()).length === 0, 10_000, 'every instance init process to exit');
        await waitFor(() => pids.filter(isAlive).length === 0, 10_000, `every instance process to exit (${pids.join(' ')})`);
      }
    } catch (e) {
      problem = e;
    }
    await this.stopServer();
    await killLeftoverRoles(this.home);
    // Whatever is left would otherwise outlive the test run.
    for (const pid of await this.leftovers()) try { process.kill(pid, 'SIGKILL'); } catch { /* gone */ }
    // Any Berth process of this home that the pid files did not name is a bug: end it, then say so.
    const serverLeft = await this.serverProcesses();
    for (const pid of serverLeft) try { process.kill(pid, 'SIGKILL'); } catch { /* gone */ }
    if (serverLeft.length > 0 && !problem) problem = new Error(`Berth processes outlived stop(): ${serverLeft.join(' ')}`);
    await endAddonServers(this.home);
    await rm(this.home, { recursive: true, force: true });
    for (const d of this.tempDirs) await rm(d, { recursive: true, force: true });
    if (problem) throw problem;
  }
}

export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** Pids whose command line mentions `needle`, or whose working directory is under it. */
export async function processesMatching(needle: string): Promise<number[]> {
  const pids: number[] = [];
  for (const entry of await readdir('/proc')) {
    if (!/^\d+$/.test(entry) || Number(entry) === process.pid) continue;
    const cmdline = await readFile(`/proc/${entry}/cmdline`, 'utf8').catch(() => '');
    const cwd = await readlink(`/proc/${entry}/cwd`).catch(() => '');
    if (cmdline.includes(needle) || cwd.startsWith(needle)) pids.push(Number(entry));
  }
  return pids;
}

/** Live `bin/berth.js` processes (supervisor, API, router) started with BERTH_HOME=`home`. */
export async function berthProcessesOf(home: string): Promise<number[]> {
  const pids: number[] = [];
  for (const entry of await readdir('/proc')) {
    if (!/^\d+$/.test(entry) || Number(entry) === process.pid) continue;
    const args = (await readFile(`/proc/${entry}/cmdline`, 'utf8').catch(() => '')).split('\0');
    if (!args.includes(BIN)) continue;
    const env = (await readFile(`/proc/${entry}/environ`, 'utf8').catch(() => '')).split('\0');
    if (env.includes(`BERTH_HOME=${home}`)) pids.push(Number(entry));
  }
  return pids;
}

/** Direct and indirect children of `pid` (from /proc/<n>/stat's ppid field). */
export async function descendants(pid: number): Promise<{ pid: number; cmdline: string }[]> {
  const parents = new Map<number, number>();
  const cmdlines = new Map<number, string>();
  for (const entry of await readdir('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    const stat = await readFile(`/proc/${entry}/stat`, 'utf8').catch(() => '');
    const m = /\) \S+ (\d+)/.exec(stat);
    if (!m) continue;
    parents.set(Number(entry), Number(m[1]));
    cmdlines.set(Number(entry), (await readFile(`/proc/${entry}/cmdline`, 'utf8').catch(() => '')).replace(/\0/g, ' ').trim());
  }
  const out: { pid: number; cmdline: string }[] = [];
  const queue = [pid];
  while (queue.length) {
    const p = queue.shift()!;
    for (const [child, parent] of parents) {
      if (parent === p) {
        out.push({ pid: child, cmdline: cmdlines.get(child) ?? '' });
        queue.push(child);
      }
    }
  }
  return out;
}

/**
 * One server per test file: started before the file's tests, stopped after them, and checked to
 * have left no process behind. `set` receives it so the file can keep its own `p` variable.
 */
export function usePlatform(set: (p: Platform) => void, env: Record<string, string> = {}): void {
  let platform: Platform | undefined;
  beforeAll(async () => {
    buildDist();
    platform = await Platform.start(env);
    set(platform);
  }, 60_000);
  afterAll(async () => {
    await platform?.stop();
    if (platform) expect(await platform.leftovers()).toEqual([]);
  }, 60_000);
}
