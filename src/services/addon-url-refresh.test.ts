import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, expect, it } from 'vitest';
import { systemClock } from '../platform/clock.js';
import { silentLogger } from '../platform/logger.js';
import { SqliteStore } from '../store/sqlite/sqlite-store.js';
import type { AddonDeps } from './addon-deps.js';
import { refreshAddonUrls } from './addon-url-refresh.js';
import { PlatformEvents } from './platform-events.js';
import { ReleaseOwner } from './release-owner.js';

const dirs: string[] = [];
const stores: SqliteStore[] = [];
afterEach(async () => {
  for (const s of stores.splice(0)) await s.close();
  for (const d of dirs.splice(0)) await rm(d, { recursive: true, force: true });
});

async function setup(brokerUrl: string) {
  const dir = await mkdtemp(join(tmpdir(), 'berth-addon-url-'));
  dirs.push(dir);
  const store = new SqliteStore(join(dir, 'db.sqlite'));
  stores.push(store);
  const events = new PlatformEvents();
  const changed: string[] = [];
  events.on((e) => { if (e.type === 'app-changed') changed.push(e.appId); });
  const brokers = { forService: () => ({ bind: async () => ({ url: brokerUrl }) }) };
  const releaseOwner = new ReleaseOwner({ store, clock: systemClock, events, logger: silentLogger, releaseTimeoutMs: 60_000 });
  const deps = { store, events, logger: silentLogger, releaseOwner, brokers } as unknown as AddonDeps;
  const owner = await store.users.create({ email: 'o@example.com', passwordHash: 'h', isAdmin: false });
  const app = await store.apps.create({ name: 'demo', ownerId: owner.id, stack: 's' });
  const addon = await store.addons.create({ name: 'postgresql-one', appId: app.id, service: 'postgresql', plan: 'postgresql:dev', state: 'provisioned' });
  await store.addons.attach({ addonId: addon.id, appId: app.id, name: 'DATABASE' });
  return { store, deps, app, changed };
}

it('moves a config var to the add-on address the broker hands out now, in a new release that restarts the app', async () => {
  const { store, deps, app, changed } = await setup('postgres://u:p@172.17.0.1:5432/db');
  await store.config.replace(app.id, { DATABASE_URL: 'postgres://u:p@127.0.0.1:5432/db', OTHER: 'x' });
  expect(await refreshAddonUrls(deps)).toBe(1);
  expect(await store.config.get(app.id)).toEqual({ DATABASE_URL: 'postgres://u:p@172.17.0.1:5432/db', OTHER: 'x' });
  expect((await store.releases.list(app.id)).at(-1)?.description).toBe('Update DATABASE (@ref:postgresql-one): add-on address changed');
  expect(changed).toEqual([app.id]);
  // The audit trail says Berth changed the key (no user, no value), not the owner.
  expect((await store.events.list({ action: 'addon-url-changed' })).map((e) => [e.actorId, e.appName, e.data])).toEqual([
    [null, app.name, { addon: 'postgresql-one', changed: ['DATABASE_URL'] }],
  ]);
  expect(await refreshAddonUrls(deps)).toBe(0);
});

it('leaves alone a var the user removed or pointed at other credentials', async () => {
  const { store, deps, app } = await setup('postgres://u:p@172.17.0.1:5432/db');
  await store.config.replace(app.id, { DATABASE_URL: 'postgres://someone:else@db.example.com:5432/other' });
  expect(await refreshAddonUrls(deps)).toBe(0);
  await store.config.replace(app.id, {});
  expect(await refreshAddonUrls(deps)).toBe(0);
  expect(await store.config.get(app.id)).toEqual({});
});
