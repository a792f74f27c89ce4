// Add-ons end to end: a real server provisions PostgreSQL and Redis for fixture apps deployed
// through the router; the data outlives app restarts, releases and a Berth restart; apps cannot
// reach each other's data; backups restore; destroy takes the config var and the data away.
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { findPostgres } from '../../src/addons/brokers/postgresql/postgres-binaries.js';
import { REDIS_CLI, postgresServer, redisServer } from '../../src/addons/testing/service-dependencies.js';
import { run } from '../../src/platform/exec.js';
import { BridgeSandboxNetwork } from '../../src/platform/sandbox-network/bridge-sandbox-network.js';
import { buildDist, fixture, isAlive, Platform, waitFor } from '../support/platform-harness.js';
import { asRoot, describeWith, type Dependency } from '../support/require-dependency.js';

const all: Dependency = {
  name: `${asRoot.name}, ${postgresServer.name} and ${redisServer.name}`,
  check: () => asRoot.check() ?? postgresServer.check() ?? redisServer.check(),
  install: `${postgresServer.install} redis-server, as root`,
};

const psql = (url: string, sql: string) => {
  const u = new URL(url);
  return run(findPostgres()!.bin('psql'), ['-X', '-At', '-h', u.hostname, '-p', u.port, '-U', u.username, '-d', u.pathname.slice(1), '-c', sql], {
    env: { PATH: process.env.PATH, PGPASSWORD: decodeURIComponent(u.password), PGCONNECT_TIMEOUT: '3' },
  });
};
const redisPing = (url: string) => {
  const u = new URL(url);
  return run(REDIS_CLI, ['-h', u.hostname, '-p', u.port, '--no-auth-warning', 'PING'], { env: { PATH: process.env.PATH, REDISCLI_AUTH: decodeURIComponent(u.password) } });
};

describeWith(all, 'add-ons end to end', () => {
  let p: Platform;
  /** Add-on server pids, killed after the platform stops whatever happened. */
  const serverPids = new Set<number>();

  const text = async (app: string, path: string) => (await p.get(app, path)).text.trim();
  const waitText = (app: string, path: string, want: string, timeoutMs = 30_000) =>
    waitFor(async () => (await text(app, path)) === want && want, timeoutMs, `${app}${path} to answer ${want}`);
  const config = (app: string) => p.ok('GET', `/apps/${app}/config-vars`);
  const latestRelease = async (app: string) => (await p.ok('GET', `/apps/${app}/releases`)).at(-1);
  const recordPids = async () => {
    const pg = await readFile(join(p.home, 'addons', 'postgresql', 'data', 'postmaster.pid'), 'utf8').catch(() => '');
    if (pg) serverPids.add(Number(pg.split('\n')[0]));
    for (const a of await p.ok('GET', '/apps').catch(() => [])) {
      for (const addon of await p.ok('GET', `/apps/${a.name}/addons`).catch(() => [])) {
        const pid = await readFile(join(p.home, 'addons', 'redis', addon.id, 'server.pid'), 'utf8').catch(() => '');
        if (pid) serverPids.add(Number(pid));
      }
    }
  };

  beforeAll(async () => {
    buildDist();
    // Room for two postgresql:dev add-ons (2 × 20 of 50 - 5 kept for Berth), so the third is refused.
    p = await Platform.start({ BERTH_PG_MAX_CONNECTIONS: '50' });
  });

  afterAll(async () => {
    if (p) await recordPids().catch(() => undefined);
    await p?.stop();
    for (const pid of serverPids) if (isAlive(pid)) process.kill(pid, 'SIGKILL');
  });

  it('provisions PostgreSQL: DATABASE_URL in a new release, instances restart, the app writes and reads rows', async () => {
    await p.createApp('pga');
    await p.deployOk('pga', fixture('pg-counter'), 'v1');
    await p.waitForUp('pga', 1);
    expect(await text('pga', '/hit')).toBe('error: DATABASE_URL is not set');

    const addon = await p.ok('POST', '/apps/pga/addons', { plan: 'postgresql' });
    expect(addon).toMatchObject({ plan: { name: 'postgresql:dev' }, addon_service: { name: 'postgresql' }, config_vars: ['DATABASE_URL'], state: 'provisioned', app: { name: 'pga' } });
    expect(addon.name).toMatch(/^postgresql-[a-z]+-[a-z]+-\d+$/);
    // Instances have network namespaces of their own (root): the server is reached at the sandbox bridge's gateway.
    const url = new URL((await config('pga')).DATABASE_URL);
    expect(url.hostname).toBe(new BridgeSandboxNetwork().gateway);
    expect(url.toString()).toMatch(/^postgres:\/\/addon_\w+:[0-9a-f]+@[\d.]+:\d+\/addon_\w+$/);
    expect((await latestRelease('pga')).description).toBe(`Attach DATABASE (@ref:${addon.name})`);

    await waitText('pga', '/hit', 'count=1');
    expect(await text('pga', '/hit')).toBe('count=2');
    const info = await p.ok('GET', `/addons/${addon.name}`);
    expect(info.berth_status).toMatchObject({ state: 'up', details: { connections: '20' } });
  }, 120_000);

  it('refuses an unknown plan, a taken add-on name and a taken attachment name, changing nothing', async () => {
    const before = (await p.ok('GET', '/apps/pga/releases')).length;
    const existing = (await p.ok('GET', '/apps/pga/addons'))[0].name;
    const unknown = await p.api('POST', '/apps/pga/addons', { plan: 'postgresql:huge' });
    expect(unknown.status).toBe(422);
    expect(unknown.body.message).toMatch(/Couldn't find either the add-on service or the add-on plan/);
    expect((await p.api('POST', '/apps/pga/addons', { plan: 'mysql' })).status).toBe(422);
    const dupName = await p.api('POST', '/apps/pga/addons', { plan: 'redis', name: existing });
    expect(dupName).toMatchObject({ status: 422, body: { message: expect.stringMatching(/already taken/) } });
    const dupAttachment = await p.api('POST', '/apps/pga/addons', { plan: 'redis', attachment: { name: 'DATABASE' } });
    expect(dupAttachment).toMatchObject({ status: 422, body: { message: expect.stringMatching(/DATABASE_URL is already in use/) } });
    expect(await p.ok('GET', '/apps/pga/addons')).toHaveLength(1);
    expect((await p.ok('GET', '/apps/pga/releases')).length).toBe(before);
  });

  it('keeps the rows across an app restart and a new release', async () => {
    await p.ok('DELETE', '/apps/pga/dynos');
    await waitText('pga', '/count', 'count=2');
    await p.ok('PATCH', '/apps/pga/config-vars', { GREETING: 'hi' });
    const version = (await latestRelease('pga')).version;
    await waitFor(async () => (await p.dynos('pga')).some((d) => d.release.version === version && d.state === 'up'), 30_000, 'the new release to be up');
    await waitText('pga', '/hit', 'count=3');
  }, 60_000);

  it('provisions Redis: REDIS_URL, and the app counts in it', async () => {
    await p.createApp('rca');
    await p.deployOk('rca', fixture('redis-counter'), 'v1');
    const addon = await p.ok('POST', '/apps/rca/addons', { plan: 'redis:dev', name: 'rca-cache' });
    expect(addon).toMatchObject({ name: 'rca-cache', config_vars: ['REDIS_URL'] });
    await waitText('rca', '/hit', 'count=1');
    expect(await text('rca', '/hit')).toBe('count=2');
    expect((await p.ok('GET', '/addons/rca-cache')).berth_status).toMatchObject({ state: 'up', details: { maxmemory: '25 MB' } });
  }, 120_000);

  it('keeps PostgreSQL and Redis data, and their servers, across a Berth restart', async () => {
    await recordPids();
    const pgPid = Number((await readFile(join(p.home, 'addons', 'postgresql', 'data', 'postmaster.pid'), 'utf8')).split('\n')[0]);
    await p.stopServer();
    expect(isAlive(pgPid)).toBe(true);
    await p.startServer();
    await waitText('pga', '/count', 'count=3');
    await waitText('rca', '/count', 'count=2');
    expect(Number((await readFile(join(p.home, 'addons', 'postgresql', 'data', 'postmaster.pid'), 'utf8')).split('\n')[0])).toBe(pgPid);
    expect((await p.ok('GET', '/addons/rca-cache')).berth_status.state).toBe('up');
  }, 120_000);

  it("restarts a crashed Redis server, and addons:info counts the restart", async () => {
    const addon = await p.ok('GET', '/addons/rca-cache');
    const pid = Number(await readFile(join(p.home, 'addons', 'redis', addon.id, 'server.pid'), 'utf8'));
    process.kill(pid, 'SIGKILL');
    await waitFor(async () => (await p.ok('GET', '/addons/rca-cache')).berth_status.restarts >= 1, 20_000, 'the redis restart');
    await waitText('rca', '/count', 'count=2');
    await recordPids();
  }, 60_000);

  it("keeps apps apart: B's credentials cannot open A's database or A's Redis", async () => {
    await p.createApp('pgb');
    await p.ok('POST', '/apps/pgb/addons', { plan: 'postgresql' });
    await p.ok('POST', '/apps/pgb/addons', { plan: 'redis' });
    const a = await config('pga');
    const b = await config('pgb');
    const aRedis = (await config('rca')).REDIS_URL;
    expect((await psql(b.DATABASE_URL, 'SELECT 1')).stdout.trim()).toBe('1');
    const bIntoA = new URL(b.DATABASE_URL);
    bIntoA.pathname = new URL(a.DATABASE_URL).pathname;
    const refused = await psql(bIntoA.toString(), 'SELECT 1');
    expect(refused.code).not.toBe(0);
    expect(refused.stderr).toMatch(/no pg_hba.conf entry|permission denied/);
    const bRedisOnA = new URL(b.REDIS_URL);
    bRedisOnA.port = new URL(aRedis).port;
    expect((await redisPing(b.REDIS_URL)).stdout.trim()).toBe('PONG');
    expect((await redisPing(bRedisOnA.toString())).stdout.trim()).not.toBe('PONG');
    await recordPids();
  }, 60_000);

  it("keeps a tenant inside its plan with its own credentials: no Redis CONFIG, no view of other tenants' PostgreSQL sessions", async () => {
    const b = await config('pgb');
    const redis = new URL(b.REDIS_URL);
    const configSet = await run(REDIS_CLI, ['-h', redis.hostname, '-p', redis.port, '--no-auth-warning', 'CONFIG', 'SET', 'maxmemory', '0'], {
      env: { PATH: process.env.PATH, REDISCLI_AUTH: decodeURIComponent(redis.password) },
    });
    expect(configSet.stdout).toMatch(/NOPERM/);
    const redisAddon = (await p.ok('GET', '/apps/pgb/addons')).find((a: any) => a.addon_service.name === 'redis');
    expect((await p.ok('GET', `/addons/${redisAddon.name}`)).berth_status.details).toMatchObject({ maxmemory: '25 MB', 'memory limit': '82 MB (cgroup)' });
    // pga's app holds connections open; pgb sees neither them nor pga's database statistics.
    expect((await psql(b.DATABASE_URL, 'SELECT usename, application_name FROM pg_stat_activity')).stderr).toMatch(/permission denied/);
    expect((await psql(b.DATABASE_URL, 'SELECT datname, xact_commit FROM pg_stat_database')).stderr).toMatch(/permission denied/);
  }, 30_000);

  it('refuses a PostgreSQL add-on the server has no connections left for, changing nothing', async () => {
    await p.createApp('pgc');
    const releases = (await p.ok('GET', '/apps/pgc/releases')).length;
    const refused = await p.api('POST', '/apps/pgc/addons', { plan: 'postgresql:dev' });
    expect(refused).toMatchObject({ status: 409, body: { message: expect.stringMatching(/promised 40 of its 45 add-on connections; postgresql:dev needs 20/) } });
    expect(await p.ok('GET', '/apps/pgc/addons')).toEqual([]);
    expect((await config('pgc')).DATABASE_URL).toBeUndefined();
    expect((await p.ok('GET', '/apps/pgc/releases')).length).toBe(releases);
    // Redis add-ons do not draw on PostgreSQL's connections.
    await p.ok('POST', '/apps/pgc/addons', { plan: 'redis:dev' });
  }, 60_000);

  it('backs up, and a restore brings dropped rows back (only with confirmation)', async () => {
    const addon = (await p.ok('GET', '/apps/pga/addons'))[0];
    const backup = await p.ok('POST', `/apps/pga/addons/${addon.name}/backups`);
    expect(backup).toMatchObject({ name: 'b001', status: 'succeeded' });
    expect(backup.size_bytes).toBeGreaterThan(0);
    const download = await fetch(`${p.apiUrl}/apps/pga/addons/DATABASE/backups/b001/download`, { headers: { Authorization: `Bearer ${p.token}` } });
    expect(Buffer.from(await download.arrayBuffer()).subarray(0, 5).toString()).toBe('PGDMP');

    expect((await psql((await config('pga')).DATABASE_URL, 'DROP TABLE hits')).code).toBe(0);
    await waitText('pga', '/count', 'count=0');
    const unconfirmed = await p.api('POST', `/apps/pga/addons/${addon.name}/backups/b001/actions/restore`);
    expect(unconfirmed.status).toBe(423);
    await waitText('pga', '/count', 'count=0');
    await p.ok('POST', `/apps/pga/addons/${addon.name}/backups/b001/actions/restore?confirm=pga`);
    await waitText('pga', '/count', 'count=3');
    expect((await p.ok('GET', `/apps/pga/addons/${addon.name}/backups`)).map((b: any) => b.name)).toEqual(['b001']);
  }, 60_000);

  it('attaches to a second app under its own name; destroy needs confirmation, then removes the vars and the database', async () => {
    const addon = (await p.ok('GET', '/apps/pga/addons'))[0];
    const attachment = await p.ok('POST', '/addon-attachments', { addon: addon.name, app: 'pgb', name: 'SHARED' });
    expect(attachment).toMatchObject({ name: 'SHARED', app: { name: 'pgb' }, addon: { name: addon.name, app: { name: 'pga' } } });
    const url = (await config('pga')).DATABASE_URL;
    expect((await config('pgb')).SHARED_URL).toBe(url);
    expect((await latestRelease('pgb')).description).toBe(`Attach SHARED (@ref:${addon.name})`);
    expect((await p.ok('GET', '/apps/pgb/addon-attachments')).map((x: any) => x.name).sort()).toEqual(['DATABASE', 'REDIS', 'SHARED']);

    const refused = await p.api('DELETE', `/apps/pga/addons/${addon.name}`);
    expect(refused.status).toBe(423);
    expect((await psql(url, 'SELECT count(*) FROM hits')).stdout.trim()).toBe('3');

    await p.ok('DELETE', `/addon-attachments/${attachment.id}`);
    expect((await config('pgb')).SHARED_URL).toBeUndefined();
    expect((await latestRelease('pgb')).description).toBe(`Detach SHARED (@ref:${addon.name})`);

    await p.ok('POST', '/addon-attachments', { addon: addon.name, app: 'pgb', name: 'SHARED' });
    await p.ok('DELETE', `/apps/pga/addons/${addon.name}?confirm=pga`);
    expect((await config('pga')).DATABASE_URL).toBeUndefined();
    expect((await config('pgb')).SHARED_URL).toBeUndefined();
    expect((await latestRelease('pga')).description).toBe(`Detach DATABASE (@ref:${addon.name})`);
    expect(await p.ok('GET', '/apps/pga/addons')).toEqual([]);
    expect((await p.api('GET', `/addons/${addon.name}`)).status).toBe(404);
    const gone = await psql(url, 'SELECT 1');
    expect(gone.code).not.toBe(0);
    await waitText('pga', '/count', 'error: DATABASE_URL is not set');
  }, 60_000);
});
