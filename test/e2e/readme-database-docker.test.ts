// The README's "Add a database" section on the docker runtime, as a user types it: pg-counter in a
// container counts through DATABASE_URL, which names the host's end of Docker's default bridge
// (docker0's own address, whatever the engine's IPAM config reports: Docker 20.10 may leave its
// Gateway out), and a one-off dyno in the app's container reaches both add-ons through their URLs.
import { createHash } from 'node:crypto';
import { readdir, readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import Docker from 'dockerode';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { findPostgres } from '../../src/addons/brokers/postgresql/postgres-binaries.js';
import { postgresServer, redisServer } from '../../src/addons/testing/service-dependencies.js';
import { run, runChecked } from '../../src/platform/exec.js';
import { berth, tempDir } from '../support/cli-harness.js';
import { dockerEngine, stackImageReady, STACK_BUILD_TIMEOUT_MS } from '../support/docker-engine.js';
import { buildDist, fixture, isAlive, Platform } from '../support/platform-harness.js';
import { checkBackupsTour, checkPostgresTour, checkRedisAttachDestroyTour, ok, type DatabaseTour } from '../support/readme-database-checks.js';
import { asRoot, describeWith, type Dependency } from '../support/require-dependency.js';

const docker = new Docker();

const all: Dependency = {
  name: `${dockerEngine.name}, ${asRoot.name}, ${postgresServer.name} and ${redisServer.name}`,
  check: () => dockerEngine.check() ?? asRoot.check() ?? postgresServer.check() ?? redisServer.check(),
  install: `${dockerEngine.install}; ${postgresServer.install} redis-server; as root`,
};

/** Run in a one-off dyno: SELECT 1 through DATABASE_URL, PING through CACHE_URL, from inside the container. */
const PROBE = `
const { Client } = require('pg');
const net = require('net');
const pg = new Client({ connectionString: process.env.DATABASE_URL, connectionTimeoutMillis: 5000 });
const redis = (url) => new Promise((resolve) => {
  const s = net.connect(Number(url.port), url.hostname);
  let out = '';
  s.setTimeout(5000);
  s.on('connect', () => s.write('AUTH default ' + decodeURIComponent(url.password) + '\\r\\nPING\\r\\n'));
  s.on('data', (d) => { out += d; if (out.includes('PONG') || out.startsWith('-')) { s.destroy(); resolve(out.replace(/\\r\\n/g, ' ').trim()); } });
  s.on('error', (e) => resolve('unreachable ' + e.message));
  s.on('timeout', () => { s.destroy(); resolve('timeout'); });
});
(async () => {
  await pg.connect();
  console.log('pg ' + (await pg.query('SELECT 1 AS one')).rows[0].one);
  await pg.end();
  console.log('redis ' + await redis(new URL(process.env.CACHE_URL)));
})().catch((e) => { console.log('error ' + e.message); process.exit(3); });
`;

/** docker0's IPv4 address, read from the kernel: where the README says the URLs point. */
async function docker0Address(): Promise<string> {
  const r = await run('ip', ['-4', '-j', 'addr', 'show', 'dev', 'docker0']);
  expect(r.code, r.stderr).toBe(0);
  const address = (JSON.parse(r.stdout) as { addr_info: { local: string }[] }[])[0]?.addr_info[0]?.local;
  expect(address).toMatch(/^\d+\.\d+\.\d+\.\d+$/);
  return address!;
}

/** `SELECT 1` through a DATABASE_URL with psql, inside network namespace `ns` or on the host. */
const selectOne = (url: string, ns?: string) => {
  const psql = [findPostgres()!.bin('psql'), '-X', '-At', '-c', 'SELECT 1', url];
  const env = { PATH: process.env.PATH, PGCONNECT_TIMEOUT: '5' };
  return ns ? run('ip', ['netns', 'exec', ns, ...psql], { env }) : run(psql[0]!, psql.slice(1), { env });
};

describeWith(all, 'the README\'s "Add a database" on the docker runtime', () => {
  let platform: Platform;
  let home: string;
  let scope: string;
  let tour: DatabaseTour;
  const serverPids = new Set<number>();

  const recordPids = async () => {
    const pg = await readFile(join(platform.home, 'addons', 'postgresql', 'data', 'postmaster.pid'), 'utf8').catch(() => '');
    if (pg) serverPids.add(Number(pg.split('\n')[0]));
    for (const id of await readdir(join(platform.home, 'addons', 'redis')).catch(() => [])) {
      const pid = Number(await readFile(join(platform.home, 'addons', 'redis', id, 'server.pid'), 'utf8').catch(() => ''));
      if (pid) serverPids.add(pid);
    }
  };

  beforeAll(async () => {
    buildDist();
    await stackImageReady();
    // App names carry the suite's prefix: Docker networks and image repositories are named after the
    // app on the shared engine, where other suites may run a `demo` of their own at the same time.
    platform = await Platform.start({ BERTH_RUNTIME: 'docker', BERTH_BOOT_TIMEOUT: '30' });
    scope = createHash('sha256').update(platform.home).digest('hex').slice(0, 12);
    home = await tempDir('berth-e2e-readme-db-');
    tour = {
      platform,
      cli: (args, input) => berth(args, { home, apiUrl: platform.apiUrl, input, env: { BERTH_API_KEY: platform.token } }),
      app: 'rd-demo',
      other: 'rd-other',
      addonHost: await docker0Address(),
    };
    ok(await tour.cli(['create', tour.app, '--no-remote']));
    ok(await tour.cli(['apps:create', tour.other]));
    // A docker build on a busy machine takes longer than the harness's default 20 s for a command.
    ok(await berth(['deploy', fixture('pg-counter'), '-a', tour.app], { home, apiUrl: platform.apiUrl, env: { BERTH_API_KEY: platform.token }, timeoutMs: 240_000 }));
  }, STACK_BUILD_TIMEOUT_MS);

  afterAll(async () => {
    if (platform) await recordPids().catch(() => undefined);
    try {
      await platform?.stop();
    } finally {
      for (const c of await docker.listContainers({ all: true, filters: { label: [`berth.scope=${scope}`] } })) {
        await docker.getContainer(c.Id).remove({ force: true, v: true }).catch(() => undefined);
      }
      for (const n of await docker.listNetworks({ filters: { name: ['berth-rd-'] } })) await docker.getNetwork(n.Id).remove().catch(() => undefined);
      for (const image of await docker.listImages({ filters: { reference: ['berth-app/rd-*'] } })) {
        for (const tag of image.RepoTags ?? []) await docker.getImage(tag).remove({ force: true }).catch(() => undefined);
      }
      for (const pid of serverPids) if (isAlive(pid)) process.kill(pid, 'SIGKILL');
      if (home) await rm(home, { recursive: true, force: true });
    }
  }, 120_000);

  it('addons:create postgresql: pg-counter in its container counts through DATABASE_URL at docker0\'s address; addons, addons:info, pg:psql', async () => {
    await checkPostgresTour(tour);
    await recordPids();
  }, 300_000);

  it('pg:backups:capture and pg:backups:restore b001 --confirm', () => checkBackupsTour(tour, home), 120_000);

  it('a one-off dyno in the app\'s container reaches PostgreSQL and a Redis add-on through their URLs', async () => {
    ok(await tour.cli(['addons:create', 'redis', '--as', 'CACHE', '-a', tour.app]));
    await recordPids();
    const probe = ok(await tour.cli(['run', '-a', tour.app, '--', 'node', '-e', PROBE]));
    expect(probe.stdout.trim().split('\n')).toEqual(['pg 1', 'redis +OK +PONG']);
    ok(await tour.cli(['addons:destroy', 'CACHE', '-a', tour.app, '--confirm', tour.app]));
  }, 180_000);

  it('redis --as CACHE, redis:cli, addons:attach/detach and addons:destroy --confirm', async () => {
    await checkRedisAttachDestroyTour(tour);
    await recordPids();
  }, 180_000);

  it("PostgreSQL admits the host's own connections to the bridge address but not a machine routed to it from outside", async () => {
    // The README: a LAN machine with a route to 172.17.0.0/16 via this host reaches the address, but
    // PostgreSQL's source networks still apply. The machine is a network namespace on a veth pair.
    const url = ok(await tour.cli(['config:get', 'DATABASE_URL', '-a', tour.other])).stdout.trim();
    expect(new URL(url).hostname).toBe(tour.addonHost);
    // Docker's MASQUERADE for docker0 makes this arrive from the host's LAN address (pg_hba's samehost).
    expect(await selectOne(url)).toMatchObject({ code: 0, stdout: '1\n' });

    const ns = `berth-rdlan-${process.pid}`;
    const [hostEnd, lanEnd] = [`rdl${process.pid}h`, `rdl${process.pid}l`];
    const net = `198.51.100.${(process.pid % 60) * 4}`.split('.').map(Number);
    const [hostIp, lanIp] = [`198.51.100.${net[3]! + 1}`, `198.51.100.${net[3]! + 2}`];
    try {
      await runChecked('ip', ['netns', 'add', ns]);
      await runChecked('ip', ['link', 'add', hostEnd, 'type', 'veth', 'peer', 'name', lanEnd]);
      await runChecked('ip', ['link', 'set', lanEnd, 'netns', ns]);
      await runChecked('ip', ['addr', 'add', `${hostIp}/30`, 'dev', hostEnd]);
      await runChecked('ip', ['link', 'set', hostEnd, 'up']);
      await runChecked('ip', ['-n', ns, 'addr', 'add', `${lanIp}/30`, 'dev', lanEnd]);
      await runChecked('ip', ['-n', ns, 'link', 'set', lanEnd, 'up']);
      await runChecked('ip', ['-n', ns, 'route', 'add', 'default', 'via', hostIp]);
      const outside = await selectOne(url, ns);
      expect(outside.code, outside.stdout).not.toBe(0);
      // Reached (not a timeout or a refused port), and refused by pg_hba for its own address.
      expect(outside.stderr).toContain(`no pg_hba.conf entry for host "${lanIp}"`);
    } finally {
      await run('ip', ['link', 'del', hostEnd]);
      await run('ip', ['netns', 'del', ns]);
    }
  }, 60_000);
});
