// The floor Berth is compared with on lifecycle figures: the fixture app run by hand as a plain
// `node server.js` (no build, no sandbox, no router), which is what any PaaS's work adds to.
import { cp, mkdtemp } from 'node:fs/promises';
import { get } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort, run, startProcess, type Started } from './processes.js';
import { nowMs, sleep } from './stats.js';

/** A copy of the fixture with its dependencies installed by npm; returns its dir and how long npm took. */
export async function installFixture(root: string, fixture: string): Promise<{ dir: string; installMs: number }> {
  const dir = await mkdtemp(join(tmpdir(), 'berth-bench-plain-'));
  await cp(join(root, 'test', 'fixtures', 'apps', fixture), dir, { recursive: true });
  const t0 = nowMs();
  const r = await run('npm', ['ci', '--omit=dev', '--no-audit', '--no-fund'], { cwd: dir, timeoutMs: 180_000 });
  if (r.code !== 0) throw new Error(`npm ci in the fixture copy failed: ${r.stderr}`);
  return { dir, installMs: nowMs() - t0 };
}

export function httpStatus(port: number, path = '/'): Promise<number> {
  return new Promise((resolve) => {
    const req = get({ host: '127.0.0.1', port, path, timeout: 1000, agent: false }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode ?? 0));
    });
    req.on('timeout', () => req.destroy());
    req.on('error', () => resolve(0));
  });
}

/** Spawns `node server.js` in `dir` and waits for its first 200; returns the process and the ms it took. */
export async function bootPlain(dir: string, env: Record<string, string> = {}, fixedPort?: number): Promise<{ started: Started; ms: number; port: number }> {
  const port = fixedPort ?? (await freePort());
  const t0 = nowMs();
  const started = startProcess(process.execPath, ['server.js'], { cwd: dir, env: { PATH: process.env.PATH, PORT: String(port), ...env } });
  const deadline = t0 + 30_000;
  while ((await httpStatus(port)) !== 200) {
    if (started.child.exitCode !== null || nowMs() > deadline) throw new Error(`plain node server.js did not answer: ${started.output()}`);
    await sleep(2);
  }
  return { started, ms: nowMs() - t0, port };
}
