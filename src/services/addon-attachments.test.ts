// Attaching an add-on to a second app: the broker binding exists only while an attachment does.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, expect, it } from 'vitest';
import { systemClock } from '../platform/clock.js';
import { silentLogger } from '../platform/logger.js';
import { SqliteStore } from '../store/sqlite/sqlite-store.js';
import type { AddonDeps } from './addon-deps.js';
import { attachAddon } from './addon-attachments.js';
import { PlatformEvents } from './platform-events.js';
import { ReleaseOwner } from './release-owner.js';

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0)) await c();
});

async function world() {
  const dir = await mkdtemp(join(tmpdir(), 'berth-attach-'));
  const store = new SqliteStore(join(dir, 'db.sqlite'));
  cleanups.push(async () => { await store.close(); await rm(dir, { recursive: true, force: true }); });
  const bound = new Set<string>();
  const broker = {
    defaultAttachmentName: 'DATABASE',
    bind: async (_id: string, binding: string) => { bound.add(binding); return { url: 'postgres://u:p@127.0.0.1:5432/db' }; },
    unbind: async (_id: string, binding: string) => { bound.delete(binding); },
  };
  const events = new PlatformEvents();
  const releaseOwner = new ReleaseOwner({ store, clock: systemClock, events, logger: silentLogger, releaseTimeoutMs: 60_000 });
  const deps = { store, events, logger: silentLogger, releaseOwner, brokers: { forService: () => broker } } as unknown as AddonDeps;
  const owner = await store.users.create({ email: 'o@example.com', passwordHash: 'h', isAdmin: false });
  const home = await store.apps.create({ name: 'home-app', ownerId: owner.id, stack: 's' });
  const other = await store.apps.create({ name: 'other-app', ownerId: owner.id, stack: 's' });
  const addon = await store.addons.create({ name: 'postgresql-one', appId: home.id, service: 'postgresql', plan: 'postgresql:dev', state: 'provisioned' });
  await store.addons.attach({ addonId: addon.id, appId: home.id, name: 'DATABASE' });
  return { store, deps, owner, other, addon, bound };
}

it('attaches to a second app with its own config var, bound at the broker', async () => {
  const { store, deps, owner, other, addon, bound } = await world();
  await attachAddon(deps, owner, { addon: addon.name, app: other.name, name: 'SHARED' });
  expect(await store.config.get(other.id)).toEqual({ SHARED_URL: 'postgres://u:p@127.0.0.1:5432/db' });
  expect(bound).toEqual(new Set([`${addon.id}:${other.id}`]));
});

it('leaves no broker binding behind when the attachment is refused', async () => {
  const { store, deps, owner, other, addon, bound } = await world();
  await store.config.replace(other.id, { SHARED_URL: 'taken' });
  await expect(attachAddon(deps, owner, { addon: addon.name, app: other.name, name: 'SHARED' })).rejects.toMatchObject({ code: 'name_taken' });
  expect(bound).toEqual(new Set());
  expect(await store.addons.attachments({ appId: other.id })).toEqual([]);
  expect(await store.config.get(other.id)).toEqual({ SHARED_URL: 'taken' });
});
