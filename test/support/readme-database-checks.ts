// The README's "Add a database" section as a user types it (the real CLI, a real server, real
// PostgreSQL and Redis, pg-counter answering through the router), as one set of checks that the
// local and docker end-to-end suites both run, each saying which host the add-on URLs must name.
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { expect } from 'vitest';
import { findPostgres } from '../../src/addons/brokers/postgresql/postgres-binaries.js';
import { run } from '../../src/platform/exec.js';
import type { CliResult } from './cli-harness.js';
import { waitFor, type Platform } from './platform-harness.js';

export interface DatabaseTour {
  platform: Platform;
  /** `berth ARGS` as the tour's user, with `input` on stdin. */
  cli(args: string[], input?: string): Promise<CliResult>;
  /** The README's `demo`: an app with pg-counter deployed and no add-on yet. */
  app: string;
  /** The README's `other`: an app of the same user, to share an add-on with. */
  other: string;
  /** The address DATABASE_URL / REDIS_URL must name for the app's instances to reach the servers. */
  addonHost: string;
}

export const ok = (r: CliResult): CliResult => {
  expect(r, `berth exited ${r.code}\nstdout: ${r.stdout}\nstderr: ${r.stderr}`).toMatchObject({ code: 0 });
  return r;
};

const failed = (r: CliResult): string => {
  expect(r.code, `stdout: ${r.stdout}\nstderr: ${r.stderr}`).not.toBe(0);
  return r.stderr;
};

/** `SELECT 1` through a DATABASE_URL from this host with psql (argv only, no shell). */
const selectOne = (url: string) =>
  run(findPostgres()!.bin('psql'), ['-X', '-At', '-c', 'SELECT 1', url], { env: { PATH: process.env.PATH, PGCONNECT_TIMEOUT: '5' } });

const waitText = (t: DatabaseTour, path: string, want: string) =>
  waitFor(async () => (await t.platform.get(t.app, path)).text.trim() === want, 60_000, `${t.app}${path} to answer ${want}`);

/** addons:create postgresql, the app counting through DATABASE_URL, addons, addons:info, pg:psql. */
export async function checkPostgresTour(t: DatabaseTour): Promise<void> {
  const created = ok(await t.cli(['addons:create', 'postgresql', '-a', t.app]));
  expect(created.stderr).toMatch(new RegExp(`Creating postgresql on ⬢ ${t.app}\\.\\.\\. done`));
  expect(created.stdout).toMatch(/Created postgresql-\S+ as DATABASE_URL/);
  const url = new URL(ok(await t.cli(['config:get', 'DATABASE_URL', '-a', t.app])).stdout.trim());
  expect(url.hostname).toBe(t.addonHost);
  await waitText(t, '/hit', 'count=1');
  await waitText(t, '/hit', 'count=2');

  const list = ok(await t.cli(['addons', '-a', t.app])).stdout;
  expect(list).toMatch(/postgresql-\S+\s+postgresql:dev\s+DATABASE\s+provisioned/);
  const info = ok(await t.cli(['addons:info', 'DATABASE', '-a', t.app])).stdout;
  expect(info).toMatch(/Plan:\s+postgresql:dev/);
  expect(info).toMatch(/Server:\s+up/);
  expect(info).toMatch(new RegExp(`Attachments:\\s+${t.app}::DATABASE`));

  const psql = ok(await t.cli(['pg:psql', '-a', t.app], 'SELECT count(*) AS visits FROM hits;\n'));
  expect(psql.stdout, psql.stderr).toMatch(/visits\s*\n-+\s*\n\s*2\s*\n/);
}

/** pg:backups:capture, pg:backups, download, and pg:backups:restore only with --confirm. */
export async function checkBackupsTour(t: DatabaseTour, downloadDir: string): Promise<void> {
  expect(ok(await t.cli(['pg:backups:capture', '-a', t.app])).stderr).toMatch(/done, b001/);
  expect(ok(await t.cli(['pg:backups', '-a', t.app])).stdout).toMatch(/b001\s+.*Completed/);
  const out = join(downloadDir, 'b001.dump');
  ok(await t.cli(['pg:backups:download', 'b001', '-a', t.app, '-o', out]));
  expect((await readFile(out)).subarray(0, 5).toString()).toBe('PGDMP');

  ok(await t.cli(['pg:psql', '-a', t.app], 'DELETE FROM hits;\n'));
  await waitText(t, '/count', 'count=0');
  expect(failed(await t.cli(['pg:backups:restore', 'b001', '-a', t.app]))).toMatch(new RegExp(`re-run with --confirm ${t.app}`));
  await waitText(t, '/count', 'count=0');
  ok(await t.cli(['pg:backups:restore', 'b001', '-a', t.app, '--confirm', t.app]));
  await waitText(t, '/count', 'count=2');
}

/** addons:create redis --as CACHE, redis:cli CACHE, addons:attach/detach, addons:destroy --confirm. */
export async function checkRedisAttachDestroyTour(t: DatabaseTour): Promise<void> {
  ok(await t.cli(['addons:create', 'redis', '--as', 'CACHE', '-a', t.app]));
  const cacheUrl = ok(await t.cli(['config:get', 'CACHE_URL', '-a', t.app])).stdout.trim();
  expect(cacheUrl).toMatch(/^redis:\/\/default:[0-9a-f]+@[\d.]+:\d+$/);
  expect(new URL(cacheUrl).hostname).toBe(t.addonHost);
  expect(ok(await t.cli(['redis:cli', 'CACHE', '-a', t.app], 'SET greeting hello\nGET greeting\n')).stdout).toMatch(/OK\s+hello/);
  expect(failed(await t.cli(['addons:create', 'postgresql:huge', '-a', t.app]))).toMatch(/Couldn't find either the add-on service or the add-on plan/);

  const pgName = /postgresql-\S+/.exec(ok(await t.cli(['addons', '-a', t.app])).stdout)![0];
  ok(await t.cli(['addons:attach', pgName, '-a', t.other, '--as', 'SHARED']));
  expect(ok(await t.cli(['config:get', 'SHARED_URL', '-a', t.other])).stdout.trim())
    .toBe(ok(await t.cli(['config:get', 'DATABASE_URL', '-a', t.app])).stdout.trim());
  ok(await t.cli(['addons:detach', 'SHARED', '-a', t.other]));
  expect(ok(await t.cli(['config:get', 'SHARED_URL', '-a', t.other])).stdout.trim()).toBe('');

  expect(failed(await t.cli(['addons:destroy', pgName]))).toMatch(new RegExp(`re-run with --confirm ${t.app}`));
  expect(failed(await t.cli(['addons:destroy', pgName, '--confirm', t.other]))).toMatch(new RegExp(`did not match ${t.app}`));
  const databaseUrl = ok(await t.cli(['config:get', 'DATABASE_URL', '-a', t.app])).stdout.trim();
  expect(await selectOne(databaseUrl)).toMatchObject({ code: 0, stdout: '1\n' });
  // Another database keeps the shared cluster up, so what follows is about this add-on's data.
  ok(await t.cli(['addons:create', 'postgresql', '-a', t.other]));
  ok(await t.cli(['addons:destroy', pgName, '--confirm', t.app]));
  // "removes the config var and the data": the old credentials open nothing any more.
  const gone = await selectOne(databaseUrl);
  expect(gone.code, gone.stdout).not.toBe(0);
  expect(gone.stderr).toMatch(/does not exist|password authentication failed/);
  expect(ok(await t.cli(['config:get', 'DATABASE_URL', '-a', t.app])).stdout.trim()).toBe('');
  expect(ok(await t.cli(['addons', '-a', t.app])).stdout).not.toContain(pgName);
  await waitText(t, '/count', 'error: DATABASE_URL is not set');
}
