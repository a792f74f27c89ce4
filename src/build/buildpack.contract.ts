// The shared test suite every buildpack runs: detect on fixtures it must and must not claim,
// and a compile smoke check, sandboxed as the build user exactly as the slug builder runs it.
import { afterAll, describe, expect, it } from 'vitest';
import { spawn } from 'node:child_process';
import http from 'node:http';
import net from 'node:net';
import { chmod, cp, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { PROCESS_TYPE_PATTERN } from '../domain/names.js';
import type { ProcessTypes } from '../domain/types.js';
import type { Buildpack, CompileContext } from './buildpack.js';
import { buildUserFor, chownTree } from './build-user.js';

/** A fixture app: a directory to copy, or files to write (path → content). */
export type FixtureApp = string | Record<string, string>;

export interface CompileCase {
  fixture: FixtureApp;
  env?: Record<string, string>;
  /** Default process types the buildpack must propose (exactly). */
  processTypes: ProcessTypes;
  /** Further checks on the compiled dir and the build log. */
  check?(buildDir: string, log: string[]): Promise<void> | void;
}

export interface BuildpackContractCase {
  create(): Buildpack;
  detects: FixtureApp[];
  ignores: FixtureApp[];
  compiles: CompileCase[];
}

/** Copies or writes a fixture into a fresh dir under a scratch root and returns its path. */
export async function materialize(fixture: FixtureApp, root: string): Promise<string> {
  const dir = await mkdtemp(path.join(root, 'app-'));
  if (typeof fixture === 'string') {
    await cp(fixture, dir, { recursive: true, verbatimSymlinks: true });
  } else {
    for (const [rel, content] of Object.entries(fixture)) {
      await mkdir(path.dirname(path.join(dir, rel)), { recursive: true });
      await writeFile(path.join(dir, rel), content);
    }
  }
  return dir;
}

/** Compiles a fixture the way the slug builder does: as the build user when root. */
export async function compileFixture(
  bp: Buildpack, fixture: FixtureApp, root: string, opts: { env?: Record<string, string>; log?: string[]; nodeRelease?: CompileContext['nodeRelease'] } = {},
): Promise<{ buildDir: string; processTypes: ProcessTypes; log: string[] }> {
  const buildDir = await materialize(fixture, root);
  const cacheDir = await mkdtemp(path.join(root, 'cache-'));
  const runAs = buildUserFor('buildpack-contract');
  if (runAs) { await chownTree(buildDir, runAs); await chownTree(cacheDir, runAs); }
  const log = opts.log ?? [];
  const ctx: CompileContext = { buildDir, cacheDir, env: opts.env ?? {}, log: (l) => log.push(l), runAs, nodeRelease: opts.nodeRelease };
  const { processTypes } = await bp.compile(ctx);
  return { buildDir, processTypes, log };
}

export function buildpackContract(name: string, c: BuildpackContractCase): void {
  describe(`buildpack contract: ${name}`, () => {
    let root: string | undefined;
    const scratch = async (): Promise<string> => {
      if (!root) {
        root = await mkdtemp(path.join(tmpdir(), `berth-bp-${name}-`));
        await chmod(root, 0o711); // the build user must reach its dirs inside
      }
      return root;
    };
    afterAll(async () => { if (root) await rm(root, { recursive: true, force: true }); });

    it('has a name', () => {
      expect(c.create().name).toMatch(/^[a-z0-9][a-z0-9./_-]*$/);
    });

    c.detects.forEach((fixture, i) => {
      it(`detects an app it can build (#${i + 1})`, async () => {
        expect(await c.create().detect(await materialize(fixture, await scratch()))).toBe(true);
      });
    });

    c.ignores.forEach((fixture, i) => {
      it(`does not claim an app it cannot build (#${i + 1})`, async () => {
        expect(await c.create().detect(await materialize(fixture, await scratch()))).toBe(false);
      });
    });

    c.compiles.forEach((cc, i) => {
      it(`compiles an app and proposes its process types (#${i + 1})`, async () => {
        const log: string[] = [];
        const { buildDir, processTypes } = await compileFixture(c.create(), cc.fixture, await scratch(), { env: cc.env, log })
          .catch((e: Error) => { throw new Error(`${e.message}\nbuild log:\n${log.join('\n')}`); });
        expect(processTypes).toEqual(cc.processTypes);
        for (const type of Object.keys(processTypes)) expect(type).toMatch(PROCESS_TYPE_PATTERN);
        expect(log.some((l) => l.startsWith('-----> '))).toBe(true);
        await cc.check?.(buildDir, log);
      });
    });
  });
}

export interface WebProcess {
  port: number;
  output(): string;
  /** GET path over a raw request (no URL normalisation, so `..` reaches the server as sent). */
  get(rawPath: string): Promise<{ status: number; headers: http.IncomingHttpHeaders; body: string }>;
  stop(): Promise<void>;
}

async function freePort(): Promise<number> {
  const srv = net.createServer();
  await new Promise<void>((resolve) => srv.listen(0, '127.0.0.1', resolve));
  const { port } = srv.address() as net.AddressInfo;
  await new Promise((resolve) => srv.close(resolve));
  return port;
}

function rawGet(port: number, rawPath: string): Promise<{ status: number; headers: http.IncomingHttpHeaders; body: string }> {
  return new Promise((resolve, reject) => {
    const req = http.request({ host: '127.0.0.1', port, path: rawPath, method: 'GET' }, (res) => {
      let body = '';
      res.setEncoding('utf8').on('data', (c: string) => { body += c; }).on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
    });
    req.on('error', reject).end();
  });
}

/** Runs a slug's process command as the runtime would (bash -c, cwd = slug), and waits for $PORT. */
export async function startWebProcess(slugDir: string, command: string, env: Record<string, string> = {}): Promise<WebProcess> {
  const port = await freePort();
  const child = spawn('bash', ['-c', command], {
    cwd: slugDir, env: { PATH: process.env.PATH ?? '/usr/bin:/bin', ...env, PORT: String(port) }, stdio: ['ignore', 'pipe', 'pipe'], detached: true,
  });
  let output = '';
  child.stdout.setEncoding('utf8').on('data', (c: string) => { output += c; });
  child.stderr.setEncoding('utf8').on('data', (c: string) => { output += c; });
  const exited = new Promise<void>((resolve) => child.on('exit', () => resolve()));
  const stop = async (): Promise<void> => {
    if (child.exitCode === null && child.signalCode === null) { try { process.kill(-child.pid!, 'SIGKILL'); } catch { /* gone */ } await exited; }
  };
  for (let i = 0; i < 100; i++) {
    if (child.exitCode !== null) break;
    try {
      await rawGet(port, '/');
      return { port, output: () => output, get: (p) => rawGet(port, p), stop };
    } catch { await new Promise((r) => setTimeout(r, 100)); }
  }
  await stop();
  throw new Error(`"${command}" did not answer on $PORT; output:\n${output}`);
}
