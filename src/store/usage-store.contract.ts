// Store contract cases for the meter's rows (usage intervals, router bytes) and billing (prices,
// team quotas); run by storeContract().
import { expect, it } from 'vitest';
import type { Store } from './store.js';
import type { UsageInterval } from './usage-repo.js';

export function usageStoreCases(getStore: () => Store): void {
  const setup = async () => {
    const store = getStore();
    const owner = await store.users.create({ email: 'usage@example.com', passwordHash: 'h', isAdmin: false });
    const other = await store.users.create({ email: 'other@example.com', passwordHash: 'h', isAdmin: false });
    const a = await store.apps.create({ name: 'alpha', ownerId: owner.id, stack: 's' });
    const b = await store.apps.create({ name: 'beta', ownerId: other.id, stack: 's' });
    const interval = (over: Partial<UsageInterval>): UsageInterval => ({
      kind: 'instance', id: 'i-1', appId: a.id, appName: 'alpha', ownerId: owner.id, teamId: null, item: 'standard-1x', processType: 'web',
      startedAt: '2026-11-01T10:00:00.000Z', endedAt: null, seenAt: '2026-11-01T10:00:00.000Z', ...over,
    });
    return { store, owner, a, b, interval };
  };

  it("keeps each row on the team (or the owner's personal bill) it was recorded for, whatever becomes of the app", async () => {
    const { store, owner, a, interval } = await setup();
    const team = await store.teams.create('core');
    await store.usage.open(interval({ id: 'personal' }));
    await store.usage.open(interval({ id: 'in-team', teamId: team.id }));
    await store.apps.update(a.id, { teamId: team.id });
    await store.usage.addRouterBytes([{ id: 'm1', appId: a.id, minute: '2026-11-01T10:00:00.000Z', bytes: 7 }]);
    const window = ['2026-11-01T00:00:00.000Z', '2026-12-01T00:00:00.000Z'] as const;
    expect((await store.usage.overlapping(...window, { teamId: team.id })).map((i) => i.id)).toEqual(['in-team']);
    expect((await store.usage.overlapping(...window, { ownerId: owner.id })).map((i) => i.id)).toEqual(['personal']);
    expect((await store.usage.routerBytes(...window, { teamId: team.id })).map((r) => r.bytes)).toEqual([7]);
    // Moved out of the team and destroyed: what it ran up in the team stays the team's.
    await store.apps.update(a.id, { teamId: null });
    await store.apps.delete(a.id);
    expect((await store.usage.overlapping(...window, { teamId: team.id })).map((i) => i.id)).toEqual(['in-team']);
    expect((await store.usage.routerBytes(...window, { ownerId: owner.id }))).toEqual([]);
  });

  it('keeps the first recorded start and the first recorded end of an interval', async () => {
    const { store, interval } = await setup();
    await store.usage.open(interval({}));
    await store.usage.open(interval({ startedAt: '2026-11-01T10:05:00.000Z' })); // seen again: no new start
    expect((await store.usage.openIntervals('instance')).map((i) => i.startedAt)).toEqual(['2026-11-01T10:00:00.000Z']);
    await store.usage.seen('instance', ['i-1'], '2026-11-01T10:01:00.000Z');
    await store.usage.close('instance', 'i-1', '2026-11-01T11:00:00.000Z');
    await store.usage.close('instance', 'i-1', '2026-11-01T12:00:00.000Z');
    await store.usage.seen('instance', ['i-1'], '2026-11-01T13:00:00.000Z');
    expect(await store.usage.openIntervals('instance')).toEqual([]);
    const [only] = await store.usage.overlapping('2026-11-01T00:00:00.000Z', '2026-12-01T00:00:00.000Z');
    expect(only).toMatchObject({ startedAt: '2026-11-01T10:00:00.000Z', endedAt: '2026-11-01T11:00:00.000Z', seenAt: '2026-11-01T10:01:00.000Z' });
    // An end before the start (two clocks) is taken as the start.
    await store.usage.open(interval({ id: 'i-2', endedAt: '2026-11-01T09:00:00.000Z' }));
    expect((await store.usage.overlapping('2026-11-01T00:00:00.000Z', '2026-12-01T00:00:00.000Z')).find((i) => i.id === 'i-2')?.endedAt).toBe('2026-11-01T10:00:00.000Z');
  });

  it('finds intervals overlapping a window, by app ids or owner', async () => {
    const { store, owner, a, b, interval } = await setup();
    await store.usage.open(interval({ id: 'oct', startedAt: '2026-10-31T23:00:00.000Z', endedAt: '2026-11-01T01:00:00.000Z' }));
    await store.usage.open(interval({ id: 'dec', startedAt: '2026-12-01T00:00:00.000Z' }));
    await store.usage.open(interval({ id: 'beta', appId: b.id, appName: 'beta', ownerId: b.ownerId }));
    const nov = ['2026-11-01T00:00:00.000Z', '2026-12-01T00:00:00.000Z'] as const;
    expect((await store.usage.overlapping(...nov)).map((i) => i.id).sort()).toEqual(['beta', 'oct']);
    expect((await store.usage.overlapping(...nov, { appIds: [a.id] })).map((i) => i.id)).toEqual(['oct']);
    expect((await store.usage.overlapping(...nov, { ownerId: owner.id })).map((i) => i.id)).toEqual(['oct']);
    expect(await store.usage.overlapping(...nov, { appIds: [] })).toEqual([]);
  });

  it('adds router byte counts once per id, and keeps them after the app is destroyed', async () => {
    const { store, a } = await setup();
    expect(await store.usage.addRouterBytes([{ id: 'c1', appId: a.id, minute: '2026-11-01T10:00:00.000Z', bytes: 10 }, { id: 'c2', appId: a.id, minute: '2026-11-01T10:01:00.000Z', bytes: 5 }]))
      .toEqual(['c1', 'c2']);
    // What is new in a call is what its caller may count: not c1 again, not an unknown app's.
    expect(await store.usage.addRouterBytes([{ id: 'c1', appId: a.id, minute: '2026-11-01T10:00:00.000Z', bytes: 10 }, { id: 'c3', appId: 'no-such-app', minute: '2026-11-01T10:00:00.000Z', bytes: 99 }]))
      .toEqual([]);
    await store.apps.delete(a.id);
    expect(await store.usage.routerBytes('2026-11-01T00:00:00.000Z', '2026-12-01T00:00:00.000Z'))
      .toEqual([{ appId: a.id, appName: 'alpha', ownerId: a.ownerId, bytes: 15 }]);
    expect(await store.usage.routerBytes('2026-12-01T00:00:00.000Z', '2027-01-01T00:00:00.000Z')).toEqual([]);
  });

  it('sets prices (0 removes one) and team quotas (null: no limit)', async () => {
    const { store } = await setup();
    expect(await store.billing.prices()).toEqual({});
    expect(await store.billing.setPrices({ 'standard-1x': 0.05, build: 0.01 })).toEqual({ build: 0.01, 'standard-1x': 0.05 });
    expect(await store.billing.setPrices({ build: 0 })).toEqual({ 'standard-1x': 0.05 });
    const team = await store.teams.create('core');
    expect(await store.billing.quota('core')).toEqual({ maxInstances: null, maxMemoryMb: null, maxAddons: null });
    await store.billing.setQuota('core', { maxInstances: 4, maxMemoryMb: null, maxAddons: 2 });
    expect(await store.billing.quota('core')).toEqual({ maxInstances: 4, maxMemoryMb: null, maxAddons: 2 });
    // The quota is the team's whatever it is called, and goes with it.
    await store.teams.rename(team.id, 'platform');
    expect(await store.billing.quota('platform')).toEqual({ maxInstances: 4, maxMemoryMb: null, maxAddons: 2 });
    expect(await store.billing.quota('core')).toEqual({ maxInstances: null, maxMemoryMb: null, maxAddons: null });
    await store.teams.delete(team.id);
    await store.teams.create('platform');
    expect(await store.billing.quota('platform')).toEqual({ maxInstances: null, maxMemoryMb: null, maxAddons: null });
  });
}
