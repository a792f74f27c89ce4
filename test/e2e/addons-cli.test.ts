// The add-on commands as a user runs them (the README tour) on the local runtime: the real CLI
// against a real server, real PostgreSQL and Redis, and the pg-counter app answering through the
// router. The same checks run on the docker runtime in readme-database-docker.test.ts.
import { readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, it } from 'vitest';
import { postgresServer, redisServer } from '../../src/addons/testing/service-dependencies.js';
import { BridgeSandboxNetwork } from '../../src/platform/sandbox-network/bridge-sandbox-network.js';
import { berth, tempDir } from '../support/cli-harness.js';
import { buildDist, fixture, isAlive, Platform } from '../support/platform-harness.js';
import { checkBackupsTour, checkPostgresTour, checkRedisAttachDestroyTour, ok, type DatabaseTour } from '../support/readme-database-checks.js';
import { asRoot, describeWith, type Dependency } from '../support/require-dependency.js';

const all: Dependency = {
  name: `${asRoot.name}, ${postgresServer.name} and ${redisServer.name}`,
  check: () => asRoot.check() ?? postgresServer.check() ?? redisServer.check(),
  install: `${postgresServer.install} redis-server, as root`,
};

describeWith(all, 'berth addons, pg:* and redis:cli', () => {
  let platform: Platform;
  let home: string;
  let tour: DatabaseTour;

  beforeAll(async () => {
    buildDist();
    platform = await Platform.start();
    home = await tempDir('berth-e2e-addons-user-');
    tour = {
      platform,
      // A deploy on a loaded machine outlasts the harness's default 20 s.
      cli: (args, input) => berth(args, { home, apiUrl: platform.apiUrl, input, env: { BERTH_API_KEY: platform.token }, timeoutMs: 120_000 }),
      app: 'demo',
      other: 'other',
      // Instances have network namespaces of their own (root): the URLs carry the sandbox bridge's gateway.
      addonHost: new BridgeSandboxNetwork().gateway,
    };
    ok(await tour.cli(['apps:create', 'demo']));
    ok(await tour.cli(['apps:create', 'other']));
    ok(await tour.cli(['deploy', fixture('pg-counter'), '-a', 'demo']));
  }, 120_000);

  afterAll(async () => {
    const pg = await readFile(join(platform?.home ?? '/nonexistent', 'addons', 'postgresql', 'data', 'postmaster.pid'), 'utf8').catch(() => '');
    await platform?.stop();
    const pid = Number(pg.split('\n')[0]);
    if (pid > 0 && isAlive(pid)) process.kill(pid, 'SIGKILL');
    if (home) await rm(home, { recursive: true, force: true });
  }, 60_000);

  it('addons:create postgresql -a demo: the app reads and writes through DATABASE_URL', () => checkPostgresTour(tour), 120_000);

  it('pg:backups:capture, pg:backups, download, and restore only with --confirm', () => checkBackupsTour(tour, home), 60_000);

  it('redis with --as, redis:cli, attach and detach, and addons:destroy --confirm', () => checkRedisAttachDestroyTour(tour), 90_000);
});
