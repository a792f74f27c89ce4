// Store contract cases for add-ons, attachments and backup records; run by storeContract().
import { expect, it } from 'vitest';
import type { Store } from './store.js';

export function addonStoreCases(getStore: () => Store): void {
  const setup = async () => {
    const store = getStore();
    const owner = await store.users.create({ email: 'addons@example.com', passwordHash: 'h', isAdmin: false });
    const a = await store.apps.create({ name: 'alpha', ownerId: owner.id, stack: 's' });
    const b = await store.apps.create({ name: 'beta', ownerId: owner.id, stack: 's' });
    return { store, a, b };
  };

  it('creates add-ons with unique names, finds them by id, name and app', async () => {
    const { store, a, b } = await setup();
    const pg = await store.addons.create({ name: 'postgresql-one', appId: a.id, service: 'postgresql', plan: 'postgresql:dev', state: 'provisioning' });
    await store.addons.create({ name: 'redis-one', appId: b.id, service: 'redis', plan: 'redis:dev', state: 'provisioned' });
    await expect(store.addons.create({ name: 'postgresql-one', appId: b.id, service: 'postgresql', plan: 'postgresql:dev', state: 'provisioning' }))
      .rejects.toMatchObject({ code: 'name_taken' });
    expect((await store.addons.byName('postgresql-one'))?.id).toBe(pg.id);
    expect((await store.addons.list({ appId: a.id })).map((x) => x.name)).toEqual(['postgresql-one']);
    expect(await store.addons.list()).toHaveLength(2);
    await store.addons.setState(pg.id, 'provisioned');
    expect((await store.addons.byId(pg.id))?.state).toBe('provisioned');
  });

  it('attaches an add-on to several apps, one name per app, and detaches', async () => {
    const { store, a, b } = await setup();
    const pg = await store.addons.create({ name: 'pg', appId: a.id, service: 'postgresql', plan: 'postgresql:dev', state: 'provisioned' });
    const other = await store.addons.create({ name: 'pg2', appId: a.id, service: 'postgresql', plan: 'postgresql:dev', state: 'provisioned' });
    const own = await store.addons.attach({ addonId: pg.id, appId: a.id, name: 'DATABASE' });
    await store.addons.attach({ addonId: pg.id, appId: b.id, name: 'SHARED' });
    await expect(store.addons.attach({ addonId: other.id, appId: a.id, name: 'DATABASE' })).rejects.toMatchObject({ code: 'name_taken' });
    expect((await store.addons.attachments({ addonId: pg.id })).map((x) => x.name)).toEqual(['DATABASE', 'SHARED']);
    expect((await store.addons.attachments({ appId: b.id })).map((x) => x.addonId)).toEqual([pg.id]);
    await store.addons.detach(own.id);
    expect(await store.addons.attachmentById(own.id)).toBeUndefined();
  });

  it('numbers backups per add-on and records how they finished', async () => {
    const { store, a } = await setup();
    const pg = await store.addons.create({ name: 'pg', appId: a.id, service: 'postgresql', plan: 'postgresql:dev', state: 'provisioned' });
    const b1 = await store.addons.createBackup({ addonId: pg.id, appId: a.id });
    const b2 = await store.addons.createBackup({ addonId: pg.id, appId: a.id });
    expect([b1.num, b2.num, b1.status]).toEqual([1, 2, 'running']);
    const done = await store.addons.finishBackup(b1.id, { status: 'succeeded', sizeBytes: 42 });
    expect(done).toMatchObject({ status: 'succeeded', sizeBytes: 42 });
    expect(done.finishedAt).not.toBeNull();
    expect((await store.addons.backupByNum(pg.id, 2))?.id).toBe(b2.id);
    expect((await store.addons.backups(pg.id)).map((x) => x.num)).toEqual([1, 2]);
  });

  it('deleting an add-on removes its attachments and backups; deleting an app keeps its add-ons for deprovisioning', async () => {
    const { store, a, b } = await setup();
    const pg = await store.addons.create({ name: 'pg', appId: a.id, service: 'postgresql', plan: 'postgresql:dev', state: 'provisioned' });
    const kept = await store.addons.create({ name: 'kept', appId: b.id, service: 'redis', plan: 'redis:dev', state: 'provisioned' });
    await store.addons.attach({ addonId: pg.id, appId: a.id, name: 'DATABASE' });
    await store.addons.attach({ addonId: kept.id, appId: b.id, name: 'REDIS' });
    await store.addons.createBackup({ addonId: pg.id, appId: a.id });
    await store.apps.delete(b.id);
    expect(await store.addons.byId(kept.id)).toBeDefined();
    expect(await store.addons.attachments({ addonId: kept.id })).toEqual([]);
    await store.addons.delete(pg.id);
    expect(await store.addons.attachments({ appId: a.id })).toEqual([]);
    expect(await store.addons.backups(pg.id)).toEqual([]);
  });
}
