// Store contract cases for app webhooks (subscriptions, events, deliveries); run by storeContract().
import { expect, it } from 'vitest';
import type { WebhookPayload } from '../domain/webhooks.js';
import type { Store } from './store.js';

export function webhookStoreCases(getStore: () => Store): void {
  const setup = async () => {
    const store = getStore();
    const owner = await store.users.create({ email: 'hooks@example.com', passwordHash: 'h', isAdmin: false });
    const app = await store.apps.create({ name: 'hooked', ownerId: owner.id, stack: 's' });
    const hook = (url: string) => store.webhooks.create({ appId: app.id, url, include: ['api:release', 'dyno'], level: 'sync', sealedSecret: 'sealed', sealedAuthorization: null });
    const payload = (id: string): WebhookPayload => ({
      id, created_at: 't', updated_at: 't', published_at: 't', sequence: null, version: 'application/vnd.heroku+json; version=3',
      action: 'create', resource: 'release', actor: { id: owner.id, email: owner.email }, data: { version: 1 }, previous_data: {},
    });
    return { store, app, hook, payload };
  };

  it('keeps webhooks per app, changes and removes them, and removes their deliveries with them', async () => {
    const { store, app, hook, payload } = await setup();
    const a = await hook('http://127.0.0.1:1/a');
    const b = await hook('http://127.0.0.1:1/b');
    expect((await store.webhooks.list(app.id)).map((w) => w.url)).toEqual(['http://127.0.0.1:1/a', 'http://127.0.0.1:1/b']);
    expect(await store.webhooks.update(app.id, a.id, { level: 'notify', include: ['dyno'] })).toMatchObject({ level: 'notify', include: ['dyno'], url: a.url });
    await store.webhooks.publish({ id: 'e1', appId: app.id, include: 'api:release', payload: payload('e1') }, [a, b], '2026-01-01T00:00:00.000Z');
    expect(await store.webhooks.delete(app.id, a.id)).toBe(true);
    expect(await store.webhooks.delete(app.id, a.id)).toBe(false);
    expect((await store.webhooks.deliveries(app.id)).map((d) => d.webhookId)).toEqual([b.id]);
    expect((await store.webhooks.eventById(app.id, 'e1'))?.payload.data).toEqual({ version: 1 });
  });

  it('hands out due deliveries in due order and records attempts until none is left to do', async () => {
    const { store, app, hook, payload } = await setup();
    const w = await hook('http://127.0.0.1:1/a');
    const [first] = await store.webhooks.publish({ id: 'e1', appId: app.id, include: 'api:release', payload: payload('e1') }, [w], '2026-01-01T00:00:10.000Z');
    await store.webhooks.publish({ id: 'e2', appId: app.id, include: 'api:release', payload: payload('e2') }, [w], '2026-01-01T00:00:05.000Z');
    expect(await store.webhooks.due('2026-01-01T00:00:00.000Z', 10)).toEqual([]);
    expect((await store.webhooks.due('2026-01-01T00:00:10.000Z', 10)).map((d) => d.eventId)).toEqual(['e2', 'e1']);
    expect(await store.webhooks.nextDue()).toBe('2026-01-01T00:00:05.000Z');
    const attempt = { id: 'a1', code: 500, errorClass: null, status: 'failed' as const, createdAt: '2026-01-01T00:00:10.000Z' };
    const retrying = await store.webhooks.recordAttempt(first!.id, attempt, { status: 'retrying', nextAttemptAt: '2026-01-01T00:01:00.000Z' });
    expect(retrying).toMatchObject({ status: 'retrying', numAttempts: 1, lastAttempt: attempt, nextAttemptAt: '2026-01-01T00:01:00.000Z', level: 'sync', eventInclude: 'api:release' });
    await store.webhooks.recordAttempt(first!.id, { ...attempt, id: 'a2', code: 200, status: 'succeeded' }, { status: 'succeeded', nextAttemptAt: null });
    expect((await store.webhooks.due('2026-01-02T00:00:00.000Z', 10)).map((d) => d.eventId)).toEqual(['e2']);
    expect((await store.webhooks.deliveries(app.id, { status: 'succeeded' })).map((d) => d.numAttempts)).toEqual([2]);
    // Newest first, as the heroku CLI expects before it reverses them.
    expect((await store.webhooks.deliveries(app.id)).map((d) => d.eventId)).toEqual(['e2', 'e1']);
  });

  it('forgets events and deliveries past the history, and everything of a destroyed app', async () => {
    const { store, app, hook, payload } = await setup();
    const w = await hook('http://127.0.0.1:1/a');
    await store.webhooks.publish({ id: 'old', appId: app.id, include: 'api:release', payload: payload('old') }, [w], '2026-01-01T00:00:00.000Z');
    expect(await store.webhooks.pruneBefore('2000-01-01T00:00:00.000Z')).toBe(0);
    expect(await store.webhooks.pruneBefore('2999-01-01T00:00:00.000Z')).toBe(1);
    expect(await store.webhooks.deliveries(app.id)).toEqual([]);
    await store.webhooks.publish({ id: 'new', appId: app.id, include: 'api:release', payload: payload('new') }, [w], '2026-01-01T00:00:00.000Z');
    await store.apps.delete(app.id);
    expect(await store.webhooks.list(app.id)).toEqual([]);
    expect(await store.webhooks.events(app.id)).toEqual([]);
    expect(await store.webhooks.nextDue()).toBeUndefined();
  });
}
