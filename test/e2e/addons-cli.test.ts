// The add-on commands as a user runs them (the README tour): the real CLI against a real server,
// real PostgreSQL and Redis, and the pg-counter app answering through the router.
import { readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { postgresServer, redisServer } from '../../src/addons/testing/service-dependencies.js';
import { BridgeSandboxNetwork } from '../../src/platform/sandbox-network/bridge-sandbox-network.js';
import { berth, tempDir, type CliResult } from '../support/cli-harness.js';
import { buildDist, fixture, isAlive, Platform, waitFor } from '../support/platform-harness.js';
import { asRoot, describeWith, type Dependency } from '../support/require-dependency.js';

const all: Dependency = {
  name: `${asRoot.name}, ${postgresServer.name} and ${redisServer.name}`,
  check: () => asRoot.check() ?? postgresServer.check() ?? redisServer.check(),
  install: `${postgresServer.install} redis-server, as root`,
};

describeWith(all, 'berth addons, pg:* and redis:cli', () => {
  let platform: Platform;
  let home: string;
  const cli = (args: string[], input?: string): Promise<CliResult> =>
    berth(args, { home, apiUrl: platform.apiUrl, input, env: { BERTH_API_KEY: platform.token } });
  const ok = (r: CliResult): CliResult => {
    expect(r, `berth exited ${r.code}\nstdout: ${r.stdout}\nstderr: ${r.stderr}`).toMatchObject({ code: 0 });
    return r;
  };
  const failed = (r: CliResult): string => {
    expect(r.code, `stdout: ${r.stdout}\nstderr: ${r.stderr}`).not.toBe(0);
    return r.stderr;
  };
  const waitText = (path: string, want: string) =>
    waitFor(async () => (await platform.get('demo', path)).text.trim() === want, 30_000, `demo${path} to answer ${want}`);

  beforeAll(async () => {
    buildDist();
    platform = await Platform.start();
    home = await tempDir('berth-e2e-addons-user-');
    ok(await cli(['apps:create', 'demo']));
    ok(await cli(['deploy', fixture('pg-counter'), '-a', 'demo']));
  }, 120_000);

  afterAll(async () => {
    const pg = await readFile(join(platform?.home ?? '/nonexistent', 'addons', 'postgresql', 'data', 'postmaster.pid'), 'utf8').catch(() => '');
    await platform?.stop();
    const pid = Number(pg.split('\n')[0]);
    if (pid > 0 && isAlive(pid)) process.kill(pid, 'SIGKILL');
    if (home) await rm(home, { recursive: true, force: true });
  }, 60_000);

  it('addons:create postgresql -a demo: the app reads and writes through DATABASE_URL', async () => {
    const created = ok(await cli(['addons:create', 'postgresql', '-a', 'demo']));
    expect(created.stderr).toMatch(/Creating postgresql on ⬢ demo\.\.\. done/);
    expect(created.stdout).toMatch(/Created postgresql-\S+ as DATABASE_URL/);
    await waitText('/hit', 'count=1');
    await waitText('/hit', 'count=2');

    const list = ok(await cli(['addons', '-a', 'demo'])).stdout;
    expect(list).toMatch(/postgresql-\S+\s+postgresql:dev\s+DATABASE\s+provisioned/);
    const info = ok(await cli(['addons:info', 'DATABASE', '-a', 'demo'])).stdout;
    expect(info).toMatch(/Plan:\s+postgresql:dev/);
    expect(info).toMatch(/Server:\s+up/);
    expect(info).toMatch(/Attachments:\s+demo::DATABASE/);

    const psql = ok(await cli(['pg:psql', '-a', 'demo'], 'SELECT count(*) AS visits FROM hits;\n'));
    expect(psql.stdout).toMatch(/visits\s*\n-+\s*\n\s*2\s*\n/);
  }, 120_000);

  it('pg:backups:capture, pg:backups, download, and restore only with --confirm', async () => {
    expect(ok(await cli(['pg:backups:capture', '-a', 'demo'])).stderr).toMatch(/done, b001/);
    expect(ok(await cli(['pg:backups', '-a', 'demo'])).stdout).toMatch(/b001\s+.*Completed/);
    const out = join(home, 'b001.dump');
    ok(await cli(['pg:backups:download', 'b001', '-a', 'demo', '-o', out]));
    expect((await readFile(out)).subarray(0, 5).toString()).toBe('PGDMP');

    ok(await cli(['pg:psql', '-a', 'demo'], 'DELETE FROM hits;\n'));
    await waitText('/count', 'count=0');
    expect(failed(await cli(['pg:backups:restore', 'b001', '-a', 'demo']))).toMatch(/re-run with --confirm demo/);
    await waitText('/count', 'count=0');
    ok(await cli(['pg:backups:restore', 'b001', '-a', 'demo', '--confirm', 'demo']));
    await waitText('/count', 'count=2');
  }, 60_000);

  it('redis with --as, redis:cli, attach and detach, and addons:destroy --confirm', async () => {
    ok(await cli(['apps:create', 'other']));
    ok(await cli(['addons:create', 'redis', '--as', 'CACHE', '-a', 'demo']));
    // Instances have network namespaces of their own (root): the URL carries the sandbox bridge's gateway.
    const cacheUrl = ok(await cli(['config:get', 'CACHE_URL', '-a', 'demo'])).stdout.trim();
    expect(cacheUrl).toMatch(/^redis:\/\/default:[0-9a-f]+@[\d.]+:\d+$/);
    expect(new URL(cacheUrl).hostname).toBe(new BridgeSandboxNetwork().gateway);
    expect(ok(await cli(['redis:cli', 'CACHE', '-a', 'demo'], 'SET greeting hello\nGET greeting\n')).stdout).toMatch(/OK\s+hello/);
    expect(failed(await cli(['addons:create', 'postgresql:huge', '-a', 'demo']))).toMatch(/Couldn't find either the add-on service or the add-on plan/);

    const pgName = /postgresql-\S+/.exec(ok(await cli(['addons', '-a', 'demo'])).stdout)![0];
    ok(await cli(['addons:attach', pgName, '-a', 'other', '--as', 'SHARED']));
    expect(ok(await cli(['config:get', 'SHARED_URL', '-a', 'other'])).stdout.trim())
      .toBe(ok(await cli(['config:get', 'DATABASE_URL', '-a', 'demo'])).stdout.trim());
    ok(await cli(['addons:detach', 'SHARED', '-a', 'other']));
    expect(ok(await cli(['config:get', 'SHARED_URL', '-a', 'other'])).stdout.trim()).toBe('');

    expect(failed(await cli(['addons:destroy', pgName]))).toMatch(/re-run with --confirm demo/);
    expect(failed(await cli(['addons:destroy', pgName, '--confirm', 'other']))).toMatch(/did not match demo/);
    ok(await cli(['addons:destroy', pgName, '--confirm', 'demo']));
    expect(ok(await cli(['config:get', 'DATABASE_URL', '-a', 'demo'])).stdout.trim()).toBe('');
    expect(ok(await cli(['addons', '-a', 'demo'])).stdout).not.toContain(pgName);
    await waitText('/count', 'error: DATABASE_URL is not set');
  }, 90_000);
});
