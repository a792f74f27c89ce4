// `berth deploy`, `ps`, `ps:restart` and `logs` as a user runs them: the real CLI against a real server
// deploying the fixture apps on the local runtime, checked through the router.
import { spawn, spawnSync } from 'node:child_process';
import { cp, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { berth, tempDir, type CliResult } from '../support/cli-harness.js';
import { buildDist, fixture, Platform, waitFor } from '../support/platform-harness.js';

const APP = 'cli-deploy';
let platform: Platform;
let home: string;

const cli = (args: string[], cwd?: string): Promise<CliResult> =>
  berth(args, { home, apiUrl: platform.apiUrl, cwd, env: { BERTH_API_KEY: platform.token } });

const ok = (r: CliResult): CliResult => {
  expect(r, `berth exited ${r.code}\nstdout: ${r.stdout}\nstderr: ${r.stderr}`).toMatchObject({ code: 0 });
  return r;
};

/** A failed command: non-zero, and exactly one ` ▸ ` error line after the progress line(s). */
const failed = (r: CliResult): string => {
  expect(r.code, `stdout: ${r.stdout}\nstderr: ${r.stderr}`).not.toBe(0);
  const errors = r.stderr.split('\n').filter((l) => l.startsWith(' ▸'));
  expect(errors, r.stderr).toHaveLength(1);
  expect(r.stderr).not.toMatch(/\n\s+at /);
  return errors[0]!;
};

interface PsDyno { id: string; name: string; type: string; state: string; release: { version: number } }
const psJson = async (): Promise<PsDyno[]> => JSON.parse(ok(await cli(['ps', '--json', '-a', APP])).stdout) as PsDyno[];

const git = (cwd: string, args: string[]): string => {
  const r = spawnSync('git', ['-c', 'user.email=dev@example.com', '-c', 'user.name=Dev', ...args], { cwd, encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`git ${args.join(' ')}: ${r.stderr}`);
  return r.stdout.trim();
};

beforeAll(async () => {
  buildDist();
  // A boot that misses the timeout (R10) is now the release's final verdict, so the timeout must
  // allow `npm start` on a loaded machine (the harness default), yet fail a no-port app in the budget.
  platform = await Platform.start({ BERTH_BOOT_TIMEOUT: '20' });
  home = await tempDir('berth-e2e-deploy-user-');
  ok(await cli(['apps:create', APP]));
}, 60_000);

afterAll(async () => {
  // Platform.stop destroys every app and waits for their instances to exit before stopping the
  // server (instances outlive a server stop by design), then kills anything left over.
  await platform?.stop();
  if (home) await rm(home, { recursive: true, force: true });
}, 60_000);

describe('berth deploy', () => {
  it('packs, uploads, builds and releases a directory, waits for web and prints the URL', async () => {
    const r = ok(await cli(['deploy', fixture('node-hello'), '-a', APP]));
    expect(r.stdout).toContain('-----> Node.js app detected');
    expect(r.stdout).toMatch(/-----> Released v\d+/);
    expect(r.stdout).toContain(`http://${APP}.localhost`);
    expect(r.stderr).toMatch(/Uploading source \(\d+ KB\)\.\.\. done/);
    const page = await platform.get(APP, '/');
    expect(page.status).toBe(200);
    expect(page.text).toContain('Hello from node-hello');
    // The README's `curl http://demo.localhost:8080/` as written, no Host header: curl (7.78 and
    // later) resolves *.localhost to loopback itself, whatever the system resolver says.
    const curl = spawnSync('curl', ['-sS', '--max-time', '10', `http://${APP}.localhost:${platform.routerPort}/`], { encoding: 'utf8' });
    expect(curl.status, curl.stderr).toBe(0);
    expect(curl.stdout).toContain('Hello from node-hello');
  }, 30_000);

  it('leaves .gitignored files out of the upload and records the git commit in the release', async () => {
    const dir = await platform.copyFixture('node-hello');
    // Were the ignored Procfile uploaded, web would run it and crash instead of `npm start`.
    await writeFile(join(dir, 'Procfile'), 'web: echo "the ignored Procfile was deployed" >&2; exit 1\n');
    await writeFile(join(dir, '.gitignore'), 'Procfile\nnode_modules/\n');
    git(dir, ['init', '-q']);
    git(dir, ['add', '-A']);
    git(dir, ['commit', '-q', '-m', 'first']);
    const sha = git(dir, ['rev-parse', 'HEAD']);

    const r = ok(await cli(['deploy', '-a', APP], dir));
    expect(r.stdout).toContain('Default types for buildpack -> web');
    expect(r.stdout).not.toContain('Procfile declares types');
    expect((await platform.get(APP, '/')).text).toContain('Hello from node-hello');

    const releases = ok(await cli(['releases', '-a', APP])).stdout;
    expect(releases).toContain(`Deploy ${sha.slice(0, 12)}`);
    const info = ok(await cli(['releases:info', '-a', APP])).stdout;
    expect(info).toContain(`Deploy ${sha.slice(0, 12)}`);
    expect(info).toMatch(/Slug:\s+[0-9a-f-]{36}/);
  }, 30_000);

  it("labels a folder deployed from inside another repository with an upload time, not that repository's commit", async () => {
    const outer = await platform.copyFixture('node-hello');
    const dir = join(outer, 'nested-app');
    await cp(fixture('node-hello'), dir, { recursive: true });
    git(outer, ['init', '-q']);
    git(outer, ['add', '-A']);
    git(outer, ['commit', '-q', '-m', 'the outer repository']);
    const outerSha = git(outer, ['rev-parse', 'HEAD']);

    ok(await cli(['deploy', '-a', APP], dir));
    const releases = ok(await cli(['releases', '-a', APP])).stdout;
    expect(releases).not.toContain(outerSha.slice(0, 12));
    expect(releases).toMatch(/Deploy \d{12}/);
  }, 30_000);
});

describe('berth ps', () => {
  it('lists the web dyno as up, grouped under its process type', async () => {
    // The previous release's instance shows as `down` for a moment while it stops.
    await waitFor(async () => (await psJson()).filter((d) => d.type === 'web').length === 1, 20_000, 'the old release to stop');
    const out = ok(await cli(['ps', '-a', APP])).stdout;
    expect(out).toMatch(/^=== web \(Standard-1X\): npm start \(1\)$/m);
    expect(out).toMatch(/^web\.1: up \d{4}\/\d\d\/\d\d \d\d:\d\d:\d\d .*\(~ \d+[smhd] ago\)$/m);
  });

  it('shows two web dynos after ps:scale web=2', async () => {
    ok(await cli(['ps:scale', 'web=2', '-a', APP]));
    await waitFor(async () => (await psJson()).filter((d) => d.type === 'web' && d.state === 'up').length === 2, 20_000, 'two web dynos up');
    const out = ok(await cli(['ps', '-a', APP])).stdout;
    expect(out).toContain('(2)');
    expect(out).toMatch(/^web\.1: up /m);
    expect(out).toMatch(/^web\.2: up /m);
    ok(await cli(['ps:scale', 'web=1', '-a', APP]));
    await waitFor(async () => (await psJson()).filter((d) => d.type === 'web').length === 1, 20_000, 'back to one web dyno');
  }, 45_000);

  it('restarts one dyno with ps:restart web.1: a new instance comes up in its place', async () => {
    const before = (await psJson()).find((d) => d.name === 'web.1')!;
    const r = ok(await cli(['ps:restart', 'web.1', '-a', APP]));
    expect(r.stderr).toContain(`Restarting web.1 dyno on ⬢ ${APP}... done`);
    await waitFor(async () => {
      const now = (await psJson()).find((d) => d.name === 'web.1');
      return now !== undefined && now.id !== before.id && now.state === 'up';
    }, 20_000, 'web.1 to be replaced and up');
    expect((await platform.get(APP, '/')).text).toContain('Hello from node-hello');
  }, 30_000);

  it('refuses a restart target that is neither a dyno nor a process type', async () => {
    const r = await cli(['ps:restart', 'web..1', '-a', APP]);
    expect(r.code).toBe(2);
  });
});

describe('berth logs', () => {
  it('prints recent router and app lines', async () => {
    await platform.get(APP, '/env/PORT');
    const out = ok(await cli(['logs', '-n', '50', '-a', APP])).stdout;
    expect(out).toMatch(/ router: at=info method=GET path="\/env\/PORT" /);
    expect(out).toMatch(/ app\[web\.1\]: /);
  });

  it('follows new router lines with --tail until stopped', async () => {
    const child = spawn(process.execPath, [join(import.meta.dirname, '../../bin/berth.js'), 'logs', '-t', '-s', 'router', '-n', '1', '-a', APP], {
      cwd: home,
      env: { PATH: process.env.PATH, HOME: home, BERTH_API_URL: platform.apiUrl, BERTH_API_KEY: platform.token },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    child.stdout.setEncoding('utf8').on('data', (c: string) => (out += c));
    const closed = new Promise((r) => child.once('close', r));
    try {
      // The one recent line arrives once the stream is open; only then is a new request "new".
      await waitFor(() => out.includes(' router: '), 10_000, 'the tail to start');
      const path = `/tail-check-${Date.now()}`;
      await platform.get(APP, path);
      await waitFor(() => out.includes(`path="${path}"`), 10_000, `a router line for ${path}`);
      expect(out).not.toContain('berth[');
    } finally {
      child.kill('SIGINT');
      await closed;
    }
  }, 30_000);
});

describe('berth deploy failures', () => {
  it('fails a broken build with one error line, and the previous release keeps answering', async () => {
    const r = await cli(['deploy', fixture('failing-build'), '-a', APP]);
    expect(r.stdout).toContain('failing-build: the build script failed on purpose');
    const line = failed(r);
    expect(line).toMatch(/build.*failed/i);
    expect(line).toContain(`berth logs -a ${APP}`);
    expect((await platform.get(APP, '/')).text).toContain('Hello from node-hello');
  }, 30_000);

  it('fails when the new release\'s web crashes at start', async () => {
    const r = await cli(['deploy', fixture('crash-at-start'), '-a', APP]);
    const line = failed(r);
    expect(line).toMatch(/crash/i);
    expect(line).toContain(`berth logs -a ${APP}`);
  }, 30_000);

  it('documents each new command in --help', async () => {
    const deploy = ok(await cli(['deploy', '--help'])).stdout;
    expect(deploy).toContain('Usage: berth deploy [DIR] [flags]');
    expect(deploy).toContain('--wait-timeout SECONDS');
    expect(ok(await cli(['logs', '--help'])).stdout).toContain('-t, --tail');
    expect(ok(await cli(['ps:restart', '--help'])).stdout).toContain('Usage: berth ps:restart [DYNO] [flags]');
  });
});
