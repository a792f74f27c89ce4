// GET /audit-events over real HTTP: who changed what from which address with which token, filters,
// newest first, Range paging, and who may read which events.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADMIN, startTestApi, type TestApi } from '../../test/support/test-api.js';

let api: TestApi;
let admin: string;
let ann: string;
const as = (token: string) => (method: string, path: string, opts: { body?: unknown; headers?: Record<string, string> } = {}) => api.call(method, path, { token, ...opts });
type Event = { action: string; app: { name: string } | null; actor: { email: string } | null };
/** The id of the token a caller used, as GET /oauth/authorizations marks it. */
const tokenIdOf = async (token: string) => ((await as(token)('GET', '/oauth/authorizations')).body as { id: string; current: boolean }[]).find((t) => t.current)!.id;

beforeAll(async () => {
  api = await startTestApi();
  admin = await api.login(ADMIN.email, ADMIN.password);
  await as(admin)('POST', '/users', { body: { email: 'ann@example.com', password: 'ann-password' } });
  ann = await api.login('ann@example.com', 'ann-password');
  await as(admin)('POST', '/apps', { body: { name: 'admins-app' } });
  await as(ann)('POST', '/apps', { body: { name: 'anns-app' } });
  await as(ann)('PATCH', '/apps/anns-app/config-vars', { body: { SECRET: 'hunter2', PLAIN: 'x' } });
  await as(ann)('PATCH', '/apps/anns-app/config-vars', { body: { SECRET: 'hunter3', PLAIN: null } });
});
afterAll(() => api.close());

describe('GET /audit-events', () => {
  it('answers newest first with the actor, the app, the address and the token id, and config keys without values', async () => {
    const res = await as(ann)('GET', '/audit-events?app=anns-app');
    expect(res.status).toBe(200);
    const annToken = await tokenIdOf(ann);
    expect(res.body.map((e: { action: string }) => e.action)).toEqual(['release-created', 'config-changed', 'release-created', 'config-changed', 'app-created']);
    expect(res.body[1]).toMatchObject({
      action: 'config-changed', actor: { email: 'ann@example.com' }, app: { name: 'anns-app' }, team: null,
      data: { added: [], changed: ['SECRET'], removed: ['PLAIN'] }, address: '127.0.0.1', token: { id: annToken },
    });
    expect(res.body[1].created_at).toMatch(/^\d{4}-\d{2}-\d{2}T/);
    expect(JSON.stringify(res.body)).not.toMatch(/hunter/);
    expect(JSON.stringify(res.body)).not.toContain(ann);
  });

  it('shows the admin every event and a user only those of their apps and their own', async () => {
    const all = (await as(admin)('GET', '/audit-events')).body as Event[];
    expect(all.some((e) => e.app?.name === 'admins-app')).toBe(true);
    expect(all.some((e) => e.action === 'user-added')).toBe(true);
    const anns = (await as(ann)('GET', '/audit-events')).body as Event[];
    expect(anns.length).toBeGreaterThan(0);
    expect(anns.every((e) => e.app?.name === 'anns-app' || e.actor?.email === 'ann@example.com')).toBe(true);
    expect((await as(ann)('GET', '/audit-events?app=admins-app')).body).toEqual([]);
    expect((await api.call('GET', '/audit-events')).status).toBe(401);
  });

  it('filters by actor email, action and time, and refuses a time that is not ISO 8601 with 422', async () => {
    const byAnn = (await as(admin)('GET', '/audit-events?actor=ann@example.com&action=app-created')).body;
    expect(byAnn.map((e: { app: { name: string } }) => e.app.name)).toEqual(['anns-app']);
    expect((await as(admin)('GET', '/audit-events?until=2000-01-01T00:00:00Z')).body).toEqual([]);
    expect((await as(admin)(`GET`, `/audit-events?since=${encodeURIComponent(new Date(Date.now() - 3600_000).toISOString())}&app=anns-app`)).body).toHaveLength(5);
    const bad = await as(admin)('GET', '/audit-events?since=2h');
    expect(bad.status).toBe(422);
    expect(bad.body).toMatchObject({ id: 'invalid_params', message: expect.stringContaining('ISO 8601') });
  });

  it('pages with Range on seq: each page follows the last, nothing missed or repeated', async () => {
    const everything = (await as(admin)('GET', '/audit-events')).body.map((e: { id: string }) => e.id);
    expect(everything.length).toBeGreaterThan(4);
    const seen: string[] = [];
    let range: string | null = 'seq ..; max=2, order=desc';
    while (range) {
      const page = await as(admin)('GET', '/audit-events', { headers: { Range: range } });
      expect(page.status).toBe(page.headers.get('next-range') ? 206 : 200);
      seen.push(...page.body.map((e: { id: string }) => e.id));
      range = page.headers.get('next-range');
    }
    expect(seen).toEqual(everything);
  });

  it('keeps a destroyed app\'s events for the admin under its name', async () => {
    await as(admin)('POST', '/apps', { body: { name: 'short-lived' } });
    expect((await as(admin)('DELETE', '/apps/short-lived')).status).toBe(200);
    const events = (await as(admin)('GET', '/audit-events?app=short-lived')).body;
    expect(events.map((e: { action: string }) => e.action)).toEqual(['app-destroyed', 'app-created']);
  });
});
