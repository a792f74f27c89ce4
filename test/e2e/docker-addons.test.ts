// Add-ons on the docker runtime: PostgreSQL and Redis reached from app containers on their own
// bridge networks through the host's docker bridge address, never from another app with its own
// credentials, and never listening on an address outside the host and its Docker bridges.
import { readdir, readFile } from 'node:fs/promises';
import { connect } from 'node:net';
import { networkInterfaces } from 'node:os';
import { join } from 'node:path';
import { createHash } from 'node:crypto';
import Docker from 'dockerode';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { postgresServer, redisServer } from '../../src/addons/testing/service-dependencies.js';
import { bridgeGateway } from '../../src/main/addon-network.js';
import { run } from '../../src/platform/exec.js';
import { berth } from '../support/cli-harness.js';
import { dockerEngine, stackImageReady, STACK_BUILD_TIMEOUT_MS } from '../support/docker-engine.js';
import { buildDist, fixture, isAlive, Platform, waitFor } from '../support/platform-harness.js';
import { asRoot, describeWith, type Dependency } from '../support/require-dependency.js';

const docker = new Docker();

const all: Dependency = {
  name: `${dockerEngine.name}, ${asRoot.name}, ${postgresServer.name} and ${redisServer.name}`,
  check: () => dockerEngine.check() ?? asRoot.check() ?? postgresServer.check() ?? redisServer.check(),
  install: `${dockerEngine.install}; ${postgresServer.install} redis-server; as root`,
};

/** Run inside app B's container: B's credentials against B's own and A's database and Redis. */
const PROBE = `
const { Client } = require('pg');
const net = require('net');
async function pg(url) {
  const c = new Client({ connectionString: url, connectionTimeoutMillis: 5000 });
  try { await c.connect(); await c.query('SELECT 1'); return 'ok'; } catch { return 'refused'; } finally { c.end().catch(() => {}); }
}
function redis(host, port, password) {
  return new Promise((resolve) => {
    const s = net.connect(port, host);
    let out = '';
    s.setTimeout(5000);
    s.on('connect', () => s.write('AUTH default ' + password + '\\r\\n'));
    s.on('data', (d) => { out += d; if (out.includes('\\r\\n')) { s.destroy(); resolve(out.startsWith('+OK') ? 'ok' : 'refused'); } });
    s.on('error', () => resolve('unreachable'));
    s.on('timeout', () => { s.destroy(); resolve('timeout'); });
  });
}
(async () => {
  const own = new URL(process.env.DATABASE_URL);
  const other = new URL(own.href);
  other.pathname = '/' + process.env.A_DATABASE;
  const r = new URL(process.env.REDIS_URL);
  const password = decodeURIComponent(r.password);
  console.log('pg-own ' + await pg(own.href));
  console.log('pg-a ' + await pg(other.href));
  console.log('redis-own ' + await redis(r.hostname, Number(r.port), password));
  console.log('redis-a ' + await redis(r.hostname, Number(process.env.A_REDIS_PORT), password));
})();
`;

/** Listening TCP sockets on `port`, as `ss` prints their local address (`127.0.0.1`, `0.0.0.0`, `[::]`, `*`). */
async function listeningAddresses(port: number): Promise<string[]> {
  const r = await run('ss', ['-Hltn', `sport = :${port}`]);
  expect(r.code, r.stderr).toBe(0);
  return r.stdout.split('\n').filter(Boolean).map((line) => line.trim().split(/\s+/)[3]!).map((local) => local.slice(0, local.lastIndexOf(':')));
}

const accepts = (host: string, port: number) => new Promise<boolean>((resolve) => {
  const s = connect({ host, port });
  s.setTimeout(3000);
  s.once('connect', () => { s.destroy(); resolve(true); });
  s.once('error', () => resolve(false));
  s.once('timeout', () => { s.destroy(); resolve(false); });
});

describeWith(all, 'add-ons on the docker runtime', () => {
  let p: Platform;
  let scope: string;
  let gateway: string;
  const serverPids = new Set<number>();

  const text = async (app: string, path: string) => (await p.get(app, path)).text.trim();
  const waitText = (app: string, path: string, want: string, timeoutMs = 60_000) =>
    waitFor(async () => (await text(app, path)) === want && want, timeoutMs, `${app}${path} to answer ${want}`);
  const config = (app: string) => p.ok('GET', `/apps/${app}/config-vars`);
  const recordPids = async () => {
    const pg = await readFile(join(p.home, 'addons', 'postgresql', 'data', 'postmaster.pid'), 'utf8').catch(() => '');
    if (pg) serverPids.add(Number(pg.split('\n')[0]));
    for (const id of await readdir(join(p.home, 'addons', 'redis')).catch(() => [])) {
      const pid = Number(await readFile(join(p.home, 'addons', 'redis', id, 'server.pid'), 'utf8').catch(() => ''));
      if (pid) serverPids.add(pid);
    }
  };

  beforeAll(async () => {
    buildDist();
    await stackImageReady();
    gateway = (await bridgeGateway(docker))!;
    expect(gateway).toMatch(/^\d+\.\d+\.\d+\.\d+$/);
    p = await Platform.start({ BERTH_RUNTIME: 'docker', BERTH_BOOT_TIMEOUT: '30' });
    scope = createHash('sha256').update(p.home).digest('hex').slice(0, 12);
  }, STACK_BUILD_TIMEOUT_MS);

  afterAll(async () => {
    if (p) await recordPids().catch(() => undefined);
    try {
      await p?.stop();
    } finally {
      for (const c of await docker.listContainers({ all: true, filters: { label: [`berth.scope=${scope}`] } })) {
        await docker.getContainer(c.Id).remove({ force: true, v: true }).catch(() => undefined);
      }
      for (const n of await docker.listNetworks({ filters: { name: ['berth-da-'] } })) await docker.getNetwork(n.Id).remove().catch(() => undefined);
      for (const image of await docker.listImages({ filters: { reference: ['berth-app/da-*'] } })) {
        for (const tag of image.RepoTags ?? []) await docker.getImage(tag).remove({ force: true }).catch(() => undefined);
      }
      for (const pid of serverPids) if (isAlive(pid)) process.kill(pid, 'SIGKILL');
    }
  }, 120_000);

  it('pg-counter in a container counts in its PostgreSQL add-on, reached at the docker bridge address', async () => {
    await p.createApp('da-pg');
    await p.deployOk('da-pg', fixture('pg-counter'), 'v1');
    await p.ok('POST', '/apps/da-pg/addons', { plan: 'postgresql' });
    const url = new URL((await config('da-pg')).DATABASE_URL);
    expect(url.hostname).toBe(gateway);
    await waitText('da-pg', '/hit', 'count=1');
    expect(await text('da-pg', '/hit')).toBe('count=2');
    await recordPids();
  }, 300_000);

  it('redis-counter in a container counts in its Redis add-on, reached at the docker bridge address', async () => {
    await p.createApp('da-redis');
    await p.deployOk('da-redis', fixture('redis-counter'), 'v1');
    await p.ok('POST', '/apps/da-redis/addons', { plan: 'redis' });
    expect(new URL((await config('da-redis')).REDIS_URL).hostname).toBe(gateway);
    await waitText('da-redis', '/hit', 'count=1');
    expect(await text('da-redis', '/hit')).toBe('count=2');
    await recordPids();
  }, 300_000);

  it("from another app's container, that app's credentials open its own add-ons but not the first app's", async () => {
    await p.createApp('da-other');
    await p.deployOk('da-other', fixture('pg-counter'), 'v1');
    await p.ok('POST', '/apps/da-other/addons', { plan: 'postgresql' });
    await p.ok('POST', '/apps/da-other/addons', { plan: 'redis' });
    await recordPids();
    const aDatabase = new URL((await config('da-pg')).DATABASE_URL).pathname.slice(1);
    const aRedisPort = new URL((await config('da-redis')).REDIS_URL).port;
    const b64 = Buffer.from(PROBE).toString('base64');
    const probe = await berth(['run', '-a', 'da-other', '-e', `A_DATABASE=${aDatabase}`, '-e', `A_REDIS_PORT=${aRedisPort}`, '--',
      `node -e "$(echo ${b64} | base64 -d)"`,
    ], { home: p.home, apiUrl: p.apiUrl, env: { BERTH_API_KEY: p.token } });
    expect(probe.code, probe.stderr).toBe(0);
    expect(probe.stdout.trim().split('\n')).toEqual(['pg-own ok', 'pg-a refused', 'redis-own ok', 'redis-a refused']);
  }, 300_000);

  it('the add-on ports listen on loopback and the docker bridge address only', async () => {
    const ports = [
      Number(new URL((await config('da-pg')).DATABASE_URL).port),
      Number(new URL((await config('da-redis')).REDIS_URL).port),
    ];
    // Every IPv4 address of the host outside loopback and Docker's own interfaces (the LAN side).
    const outside = Object.entries(networkInterfaces())
      .filter(([name]) => name !== 'lo' && name !== 'docker0' && !name.startsWith('br-') && !name.startsWith('veth'))
      .flatMap(([, addrs]) => (addrs ?? []).filter((a) => a.family === 'IPv4' && !a.internal).map((a) => a.address));
    for (const port of ports) {
      expect((await listeningAddresses(port)).sort()).toEqual(['127.0.0.1', gateway].sort());
      for (const address of outside) expect(await accepts(address, port), `${address}:${port}`).toBe(false);
      expect(await accepts(gateway, port)).toBe(true);
    }
  }, 60_000);
});
