// A real `berth server` child process with its own BERTH_HOME and ports, the admin's token, and the
// calls the platform benchmarks make: the API, the CLI (as a user runs it) and requests through the router.
import { spawn } from 'node:child_process';
import { cp, mkdtemp, readdir, readFile, readlink, rm, writeFile } from 'node:fs/promises';
import { Agent, request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { machineServerEnv } from '../../test/support/cli-harness.js';
import { berthScope, leftovers, removeLeftovers, scopeContainers } from './docker-engine.js';
import { freePort, startProcess, type Started } from './processes.js';
import { nowMs, sleep } from './stats.js';

const ADMIN_EMAIL = 'bench@example.com';
const ADMIN_PASSWORD = 'bench-password-123';

export interface RouterReply { status: number; text: string }
export interface TimedLine { t: number; line: string }
export interface CliRun { code: number; lines: TimedLine[]; stderr: string; startedAt: number; endedAt: number }
export type BenchRuntime = 'local' | 'docker' | 'swarm';

export class BerthServer {
  token = '';
  private process: Started | undefined;
  private readonly agent = new Agent({ keepAlive: true, maxSockets: 512 });
  private readonly temp: string[] = [];

  /** Ids of every app seen at stop(), so what the docker runtime made for them can be checked gone. */
  private readonly appIds = new Set<string>();
  private stopped = false;

  private constructor(readonly root: string, readonly home: string, readonly apiPort: number, readonly routerPort: number, readonly runtime: BenchRuntime) {}

  /** Starts a server on the local runtime, or on docker (`runtime`), with extra environment `env`. */
  static async start(root: string, env: Record<string, string> = {}, runtime: BenchRuntime = 'local'): Promise<BerthServer> {
    const home = await mkdtemp(join(tmpdir(), 'berth-bench-home-'));
    const s = new BerthServer(root, home, await freePort(), await freePort(), runtime);
    try {
      s.process = startProcess(process.execPath, [join(root, 'bin', 'berth.js'), 'server'], {
        cwd: root,
        env: {
          PATH: process.env.PATH, BERTH_HOME: home,
          BERTH_API_PORT: String(s.apiPort), BERTH_API_HOST: '127.0.0.1',
          BERTH_ROUTER_PORT: String(s.routerPort), BERTH_ROUTER_HOST: '127.0.0.1', BERTH_RENDEZVOUS_PORT: '0', BERTH_ROUTER_HTTPS_PORT: '0',
          BERTH_API_URL: s.apiUrl, BERTH_ADMIN_EMAIL: ADMIN_EMAIL, BERTH_ADMIN_PASSWORD: ADMIN_PASSWORD,
          // The machine's proxy and CA settings (the npm registry), and the stack's Node.js for apps
          // without engines.node, as in the tests: deploy figures stay comparable with earlier runs.
          ...machineServerEnv(),
          ...env, BERTH_RUNTIME: runtime,
        },
      });
      const deadline = Date.now() + 30_000;
      while (!(await fetch(`${s.apiUrl}/health`).then((r) => r.ok, () => false))) {
        if (s.process.child.exitCode !== null || Date.now() > deadline) throw new Error(`berth server did not come up:\n${s.process.output()}`);
        await sleep(100);
      }
      await s.login();
    } catch (e) {
      await s.stop();
      throw e;
    }
    return s;
  }

  get apiUrl(): string {
    return `http://127.0.0.1:${this.apiPort}`;
  }

  get pid(): number {
    return this.process?.pid ?? -1;
  }

  output(): string {
    return this.process?.output() ?? '';
  }

  /** `berth server` is a supervisor of two processes: its own pid, then the API's and the router's. */
  async serverPids(): Promise<number[]> {
    const pids = [this.pid];
    for (const role of ['api', 'router']) {
      const pid = Number((await readFile(join(this.home, 'run', `${role}.pid`), 'utf8').catch(() => '')).trim());
      if (pid > 1) pids.push(pid);
    }
    return pids;
  }

  private async login(): Promise<void> {
    const basic = Buffer.from(`${ADMIN_EMAIL}:${ADMIN_PASSWORD}`).toString('base64');
    const res = await fetch(`${this.apiUrl}/oauth/authorizations`, {
      method: 'POST',
      headers: { Authorization: `Basic ${basic}`, 'Content-Type': 'application/json', Accept: 'application/vnd.heroku+json; version=3' },
      body: JSON.stringify({ description: 'bench' }),
    });
    const body = (await res.json()) as { access_token?: { token: string } };
    if (res.status !== 201 || !body.access_token) throw new Error(`login failed: ${res.status} ${JSON.stringify(body)}`);
    this.token = body.access_token.token;
  }

  /** JSON in, JSON out; throws unless 2xx. */
  async api(method: string, path: string, body?: unknown, headers: Record<string, string> = {}): Promise<any> {
    const h: Record<string, string> = { Accept: 'application/vnd.heroku+json; version=3', Authorization: `Bearer ${this.token}`, ...headers };
    if (body !== undefined) h['Content-Type'] = 'application/json';
    const res = await fetch(this.apiUrl + path, { method, headers: h, body: body === undefined ? undefined : JSON.stringify(body) });
    const text = await res.text();
    if (res.status < 200 || res.status > 299) throw new Error(`${method} ${path} → ${res.status} ${text}`);
    return text ? JSON.parse(text) : undefined;
  }

  /** Runs `berth <args>` as a user would, timestamping every stdout line as it arrives. */
  cli(args: string[], cwd = this.home): Promise<CliRun> {
    return new Promise((resolve, reject) => {
      const startedAt = nowMs();
      const child = spawn(process.execPath, [join(this.root, 'bin', 'berth.js'), ...args], {
        cwd,
        env: { PATH: process.env.PATH, HOME: this.home, BERTH_API_URL: this.apiUrl, BERTH_API_KEY: this.token },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      const lines: TimedLine[] = [];
      let partial = '';
      let stderr = '';
      child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
        const t = nowMs();
        const parts = (partial + chunk).split('\n');
        partial = parts.pop()!;
        for (const line of parts) lines.push({ t, line });
      });
      child.stderr.setEncoding('utf8').on('data', (c: string) => (stderr += c));
      const timer = setTimeout(() => child.kill('SIGKILL'), 300_000);
      child.once('error', reject);
      child.once('close', (code) => {
        clearTimeout(timer);
        if (partial) lines.push({ t: nowMs(), line: partial });
        resolve({ code: code ?? 1, lines, stderr, startedAt, endedAt: nowMs() });
      });
    });
  }

  /** A CLI run that must succeed. */
  async cliOk(args: string[], cwd?: string): Promise<CliRun> {
    const r = await this.cli(args, cwd);
    if (r.code !== 0) throw new Error(`berth ${args.join(' ')} exited ${r.code}:\n${r.lines.map((l) => l.line).join('\n')}\n${r.stderr}`);
    return r;
  }

  /** A GET through the router as `<app>.localhost`, on a keep-alive agent. */
  get(app: string, path = '/', timeoutMs = 5000): Promise<RouterReply> {
    return new Promise((resolve, reject) => {
      const req = request({ host: '127.0.0.1', port: this.routerPort, path, agent: this.agent, headers: { Host: `${app}.localhost` }, timeout: timeoutMs }, (res) => {
        let text = '';
        res.setEncoding('utf8').on('data', (c: string) => (text += c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, text }));
        res.on('error', reject);
      });
      req.on('timeout', () => req.destroy(new Error('timeout')));
      req.on('error', reject);
      req.end();
    });
  }

  /** Polls the app through the router until `accept` holds; returns the time (nowMs) it first did. */
  async waitForReply(app: string, accept: (r: RouterReply) => boolean, timeoutMs = 120_000, path = '/'): Promise<number> {
    const deadline = nowMs() + timeoutMs;
    for (;;) {
      const r = await this.get(app, path, 2000).catch(() => undefined);
      if (r && accept(r)) return nowMs();
      if (nowMs() > deadline) throw new Error(`${app}${path} did not answer as expected within ${timeoutMs} ms (last: ${r ? `${r.status} ${r.text.slice(0, 80)}` : 'error'})`);
      await sleep(10);
    }
  }

  /** A copy of a fixture app whose greeting carries `marker`, so the router shows which version serves. */
  async fixtureCopy(fixture: string, marker: string, dir?: string): Promise<string> {
    const target = dir ?? (await mkdtemp(join(tmpdir(), 'berth-bench-app-')));
    if (!dir) {
      this.temp.push(target);
      await cp(join(this.root, 'test', 'fixtures', 'apps', fixture), target, { recursive: true });
    }
    await this.setMarker(target, marker);
    return target;
  }

  async setMarker(dir: string, marker: string): Promise<void> {
    const file = join(dir, 'server.js');
    const text = await readFile(file, 'utf8');
    await writeFile(file, text.replace(/Hello from node-hello[^$`'"]*?(\$\{greeting\})/, `Hello from node-hello ${marker}$1`));
  }

  async scale(app: string, quantity: number): Promise<void> {
    await this.api('PATCH', `/apps/${app}/formation`, { updates: [{ type: 'web', quantity }] });
  }

  dynos(app: string): Promise<{ id: string; name: string; type: string; state: string }[]> {
    return this.api('GET', `/apps/${app}/dynos`);
  }

  /** Instances still running: the local runtime's records, or the docker runtime's containers. */
  private async running(): Promise<number> {
    return this.runtime === 'docker' ? (await scopeContainers(berthScope(this.home))).length : (await this.instances()).length;
  }

  /** Instance records of the local runtime: pid of each instance's init process, by app. */
  async instances(): Promise<{ id: string; appName: string; pid: number }[]> {
    const dir = join(this.home, 'runtime', 'instances');
    const out: { id: string; appName: string; pid: number }[] = [];
    for (const id of await readdir(dir).catch(() => [] as string[])) {
      const rec = await readFile(join(dir, id, 'instance.json'), 'utf8').then((t) => JSON.parse(t), () => undefined);
      if (rec) out.push({ id, appName: rec.spec.appName, pid: rec.pid });
    }
    return out;
  }

  /**
   * Has the platform build its stack image (docker runtime) now, so that no timed deploy pays for it;
   * returns how long that took (a few ms when the image exists, ~100 s from scratch).
   */
  async buildStack(): Promise<number> {
    const t0 = nowMs();
    await this.cliOk(['stack:build']);
    return nowMs() - t0;
  }

  /** Destroys every app (so the runtime stops their instances), stops the server, kills leftovers, removes temp dirs. */
  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    try {
      if (this.process && this.process.child.exitCode === null && this.token) {
        for (const a of (await this.api('GET', '/apps', undefined, { Range: 'name ..; max=1000' })) as { id: string; name: string }[]) {
          this.appIds.add(a.id);
          await this.api('DELETE', `/apps/${a.name}`).catch(() => undefined);
        }
        const deadline = Date.now() + 60_000;
        while ((await this.running()) > 0 && Date.now() < deadline) await sleep(200);
        // The docker builder removes a destroyed app's images and cache volume once its containers are gone.
        while (this.runtime === 'docker' && Date.now() < deadline && Object.values(await leftovers(berthScope(this.home), [...this.appIds])).some((l) => l.length > 0)) await sleep(500);
      }
    } catch (e) {
      process.stderr.write(`bench: cleaning up apps failed: ${String(e)}\n`);
    }
    await this.process?.stop();
    if (this.runtime === 'docker') {
      const forced = await removeLeftovers(berthScope(this.home), [...this.appIds]).catch((e: Error) => (process.stderr.write(`bench: docker cleanup failed: ${e.message}\n`), 0));
      if (forced > 0) process.stderr.write(`bench: removed ${forced} docker object(s) the destroyed apps had left\n`);
    }
    this.agent.destroy();
    for (const pid of await processesUnder(this.home)) try { process.kill(pid, 'SIGKILL'); } catch { /* gone */ }
    await rm(this.home, { recursive: true, force: true });
    for (const d of this.temp) await rm(d, { recursive: true, force: true });
  }
}

/** Pids whose command line names `dir` or whose working directory is under it: what an instance leaves. */
async function processesUnder(dir: string): Promise<number[]> {
  const pids: number[] = [];
  for (const entry of await readdir('/proc')) {
    if (!/^\d+$/.test(entry) || Number(entry) === process.pid) continue;
    const cmdline = await readFile(`/proc/${entry}/cmdline`, 'utf8').catch(() => '');
    const cwd = await readlink(`/proc/${entry}/cwd`).catch(() => '');
    if (cmdline.includes(dir) || cwd.startsWith(dir)) pids.push(Number(entry));
  }
  return pids;
}
