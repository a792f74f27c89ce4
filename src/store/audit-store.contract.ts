// Store contract cases for the audit trail (the events repo); run by storeContract().
import { expect, it } from 'vitest';
import type { Id, NewAuditEvent } from '../domain/types.js';
import type { Store } from './store.js';

/** An entry with nothing but what a case names. */
export function auditRow(e: Partial<NewAuditEvent> & { action: string }): NewAuditEvent {
  return { actorId: null, actorEmail: null, appId: null, appName: null, teamId: null, data: {}, address: null, tokenId: null, ...e };
}

export function auditStoreCases(getStore: () => Store): void {
  const setup = async () => {
    const store = getStore();
    const ann = await store.users.create({ email: 'ann@example.com', passwordHash: 'h', isAdmin: false });
    const bob = await store.users.create({ email: 'bob@example.com', passwordHash: 'h', isAdmin: false });
    const a = await store.apps.create({ name: 'anns-app', ownerId: ann.id, stack: 's' });
    const b = await store.apps.create({ name: 'bobs-app', ownerId: bob.id, stack: 's' });
    const by = (u: { id: Id; email: string }, app: { id: Id; name: string } | null, action: string, extra: Partial<NewAuditEvent> = {}) =>
      store.events.append(auditRow({ actorId: u.id, actorEmail: u.email, appId: app?.id ?? null, appName: app?.name ?? null, action, ...extra }));
    return { store, ann, bob, a, b, by };
  };

  it('keeps every field of an entry, with an increasing seq', async () => {
    const { store, ann, a, by } = await setup();
    const first = await by(ann, a, 'config-changed', { teamId: 'team-1', address: '127.0.0.1', tokenId: 'tok-1', data: { added: ['A'], changed: [], removed: [] } });
    const second = await by(ann, a, 'release-created');
    expect(first).toMatchObject({ actorId: ann.id, actorEmail: 'ann@example.com', appId: a.id, appName: 'anns-app', teamId: 'team-1',
      action: 'config-changed', address: '127.0.0.1', tokenId: 'tok-1', data: { added: ['A'], changed: [], removed: [] } });
    expect(second.seq).toBeGreaterThan(first.seq);
    expect(await store.events.list({ order: 'desc' })).toEqual([second, first]);
  });

  it('has no way to change or remove an entry: only append and list', async () => {
    const { store } = await setup();
    expect(Object.keys(store.events).sort()).toEqual(['append', 'list']);
    await store.transaction(async (tx) => expect(Object.keys(tx.events).sort()).toEqual(['append', 'list']));
  });

  it('filters by actor email, app id or name, team, action and time, and pages by seq', async () => {
    const { store, ann, bob, a, b, by } = await setup();
    const e1 = await by(ann, a, 'app-created');
    const e2 = await by(bob, b, 'app-created', { teamId: 'team-1' });
    const e3 = await by(ann, a, 'config-changed');
    const actions = async (f: Parameters<Store['events']['list']>[0]) => (await store.events.list({ order: 'desc', ...f })).map((e) => e.id);
    expect(await actions({ actorEmail: 'ann@example.com' })).toEqual([e3.id, e1.id]);
    expect(await actions({ appId: b.id })).toEqual([e2.id]);
    expect(await actions({ appName: 'anns-app' })).toEqual([e3.id, e1.id]);
    expect(await actions({ teamId: 'team-1' })).toEqual([e2.id]);
    expect(await actions({ action: 'app-created' })).toEqual([e2.id, e1.id]);
    expect(await actions({ since: e2.createdAt, until: e3.createdAt })).toEqual(expect.arrayContaining([e3.id, e2.id]));
    expect(await actions({ until: '2000-01-01T00:00:00.000Z' })).toEqual([]);
    expect(await actions({ toSeq: e2.seq, limit: 1 })).toEqual([e2.id]);
    expect(await actions({ fromSeq: e2.seq, order: 'asc' })).toEqual([e2.id, e3.id]);
  });

  it('shows a reader only the events of its apps and teams, and its own', async () => {
    const { store, ann, bob, a, b, by } = await setup();
    const mine = await by(ann, a, 'app-created');
    const onMyApp = await by(bob, a, 'config-changed');
    const teams = await by(bob, b, 'formation-changed', { teamId: 'team-1' });
    const others = await by(bob, b, 'app-created');
    const myToken = await by(ann, null, 'token-created');
    const seen = async (appIds: Id[], teamIds: Id[]) => (await store.events.list({ order: 'asc', visibleTo: { actorId: ann.id, appIds, teamIds } })).map((e) => e.id);
    expect(await seen([a.id], [])).toEqual([mine.id, onMyApp.id, myToken.id]);
    expect(await seen([a.id], ['team-1'])).toEqual([mine.id, onMyApp.id, teams.id, myToken.id]);
    expect(await seen([], [])).not.toContain(others.id);
  });

  it('keeps an app\'s entries, under the name it had, after the app and its owner are deleted', async () => {
    const { store, bob, b, by } = await setup();
    const created = await by(bob, b, 'app-created');
    await store.apps.delete(b.id);
    await store.users.delete(bob.id);
    expect(await store.events.list({ appName: 'bobs-app' })).toEqual([created]);
    expect((await store.events.list({ actorEmail: 'bob@example.com' }))[0]?.appName).toBe('bobs-app');
  });
}
