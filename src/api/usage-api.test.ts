// Metering over real HTTP: the price list (admin sets it), a month's rated usage of an app, of the
// actor's own apps and of a team, a team's invoices, and team quotas refusing a scale with 422.
// Teams come from the teams store: team `core` holds `alpha`, lead administers it, dev is a member.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADMIN, startTestApi, type TestApi } from '../../test/support/test-api.js';
import { APP_PERMISSIONS } from '../domain/app-permissions.js';
import type { App } from '../domain/types.js';
import { storeTeams, type TeamLookup } from '../services/team-lookup.js';
import { usageRoutes } from './routes/usage-routes.js';

let api: TestApi;
let admin: string;
let dev: string;
let eve: string;
let alpha: App;
let beta: App;
let lead: string;

// The teams store answers, through the port metering reads (made before the store it reads exists).
const inStore = () => storeTeams(api.deps.store);
const teams: TeamLookup = {
  teamOfApp: (appId) => inStore().teamOfApp(appId), appsOfTeam: (team) => inStore().appsOfTeam(team),
  idOf: (team) => inStore().idOf(team), roleOf: (userId, team) => inStore().roleOf(userId, team),
};

const JAN = (h: number, m = 0) => new Date(Date.UTC(2026, 0, 10, h, m)).toISOString();

beforeAll(async () => {
  api = await startTestApi([usageRoutes({ teams, plans: ['postgresql:dev', 'redis:dev'] })], { teams });
  admin = await api.login(ADMIN.email, ADMIN.password);
  for (const who of ['dev', 'eve', 'lead']) await api.call('POST', '/users', { token: admin, body: { email: `${who}@example.com`, password: `${who} password 123` } });
  [dev, eve, lead] = await Promise.all(['dev', 'eve', 'lead'].map((who) => api.login(`${who}@example.com`, `${who} password 123`))) as [string, string, string];
  const { store } = api.deps;
  // Team core: lead administers it, dev is a member of it (and made its app alpha), eve is not in it.
  const core = await store.teams.create('core');
  const owner = (await store.users.byEmail('dev@example.com'))!;
  await store.teams.setMember(core.id, (await store.users.byEmail('lead@example.com'))!.id, 'admin');
  await store.teams.setMember(core.id, owner.id, 'member');
  for (const name of ['alpha', 'beta']) {
    const app = await store.apps.create({ name, ownerId: owner.id, stack: 'berth-24' });
    const slug = await store.slugs.create({ appId: app.id, location: '/nowhere', processTypes: { web: 'node web.js', worker: 'node worker.js' }, buildpackDescription: 'test', commit: null, sizeBytes: 1 });
    await store.releases.create({ appId: app.id, description: 'Deploy', current: true, slugId: slug.id, config: {}, userId: owner.id });
    await store.formation.upsert(app.id, 'web', { quantity: 1 });
    if (name === 'alpha') alpha = await store.apps.update(app.id, { teamId: core.id }); else beta = app;
  }
  // As when a member creates a team app: every permission on it.
  await store.collaborators.set(alpha.id, owner.id, [...APP_PERMISSIONS]);
  const base = { ownerId: owner.id, processType: null };
  const inCore = { ...base, teamId: core.id };
  // January 2026: alpha ran web for 2 h, a postgresql:dev for 1 h, a 5-minute build and sent 2 GB; beta a standard-2x web for 1 h.
  await store.usage.open({ ...inCore, kind: 'instance', id: 'i-a', appId: alpha.id, appName: 'alpha', item: 'standard-1x', processType: 'web', startedAt: JAN(1), endedAt: JAN(3), seenAt: JAN(3) });
  await store.usage.open({ ...inCore, kind: 'addon', id: 'ad-a', appId: alpha.id, appName: 'alpha', item: 'postgresql:dev', startedAt: JAN(5), endedAt: JAN(6), seenAt: JAN(6) });
  await store.usage.open({ ...inCore, kind: 'build', id: 'b-a', appId: alpha.id, appName: 'alpha', item: 'build', startedAt: JAN(7), endedAt: JAN(7, 5), seenAt: JAN(7) });
  await store.usage.addRouterBytes([{ id: 'r1', appId: alpha.id, minute: JAN(8), bytes: 1.5e9 }, { id: 'r2', appId: alpha.id, minute: JAN(8, 1), bytes: 0.5e9 }]);
  await store.usage.addRouterBytes([{ id: 'r1', appId: alpha.id, minute: JAN(8), bytes: 1.5e9 }]); // sent again after a lost answer
  await store.usage.open({ ...base, kind: 'instance', id: 'i-b', appId: beta.id, appName: 'beta', item: 'standard-2x', processType: 'web', startedAt: JAN(1), endedAt: JAN(2), seenAt: JAN(2) });
});
afterAll(async () => { await api.close(); });

const linesOf = (body: { lines: Array<{ app: { name: string }; kind: string; item: string; quantity: number; amount: number }> }) =>
  body.lines.map((l) => `${l.app.name} ${l.kind} ${l.item} ${l.quantity} ${l.amount}`);

describe('prices', () => {
  it('lists every priceable item at 0 until the admin sets a price; others may not set them', async () => {
    const before = await api.call('GET', '/prices', { token: dev });
    expect(before.status).toBe(200);
    expect(before.body.every((p: { price: number }) => p.price === 0)).toBe(true);
    expect(before.body.map((p: { item: string; unit: string }) => `${p.item}/${p.unit}`)).toEqual(expect.arrayContaining(['standard-1x/hour', 'postgresql:dev/hour', 'build/minute', 'router-gb/GB']));
    const refused = await api.call('PATCH', '/prices', { token: dev, body: { prices: { 'standard-1x': 1 } } });
    expect([refused.status, refused.body.id]).toEqual([403, 'forbidden']);
    for (const bad of [{ 'gpu-9x': 1 }, { 'standard-1x': -1 }, { 'standard-1x': '1' }]) {
      const res = await api.call('PATCH', '/prices', { token: admin, body: { prices: bad } });
      expect([res.status, res.body.id], JSON.stringify(bad)).toEqual([422, 'invalid_params']);
    }
    expect((await api.call('GET', '/prices', { token: dev })).body.every((p: { price: number }) => p.price === 0)).toBe(true);
  });
});

describe('usage', () => {
  it('is free while no prices are set, then rated by the price list: per hour, per build minute, per GB', async () => {
    const free = await api.call('GET', '/usage?app=alpha&month=2026-01', { token: dev });
    expect([free.status, free.body.total]).toEqual([200, 0]);
    const set = await api.call('PATCH', '/prices', { token: admin, body: { prices: { 'standard-1x': 0.5, 'postgresql:dev': 0.1, build: 0.02, 'router-gb': 0.09 } } });
    expect(set.status).toBe(200);
    const res = await api.call('GET', '/usage?app=alpha&month=2026-01', { token: dev });
    expect(res.status).toBe(200);
    expect([res.body.month, res.body.period_start, res.body.period_end]).toEqual(['2026-01', '2026-01-01T00:00:00.000Z', '2026-02-01T00:00:00.000Z']);
    expect(linesOf(res.body)).toEqual([
      'alpha instance standard-1x 7200 1', 'alpha addon postgresql:dev 3600 0.1', 'alpha build build 300 0.1', 'alpha router router-gb 2000000000 0.18',
    ]);
    expect(res.body.total).toBe(1.38);
  });

  it("without --app or --team shows the month of the actor's own personal apps (a team app's usage is the team's); another month is empty", async () => {
    const mine = await api.call('GET', '/usage?month=2026-01', { token: dev });
    expect(linesOf(mine.body)).toEqual(['beta instance standard-2x 3600 0']);
    expect(mine.body.total).toBe(0);
    expect((await api.call('GET', '/usage?month=2026-01', { token: eve })).body.lines).toEqual([]);
    expect((await api.call('GET', '/usage?app=alpha&month=2025-12', { token: dev })).body.lines).toEqual([]);
  });

  it("refuses another user's app (as if it did not exist), a malformed month, and app with team together", async () => {
    expect((await api.call('GET', '/usage?app=alpha&month=2026-01', { token: eve })).status).toBe(404);
    expect((await api.call('GET', '/usage?month=2026-1', { token: dev })).status).toBe(422);
    expect((await api.call('GET', '/usage?app=alpha&team=core', { token: dev })).status).toBe(422);
  });

  it("shows a team's usage to its admins and the platform admin only", async () => {
    const team = await api.call('GET', '/usage?team=core&month=2026-01', { token: lead });
    expect(team.status).toBe(200);
    expect(team.body.lines.every((l: { app: { name: string } }) => l.app.name === 'alpha')).toBe(true);
    expect(team.body.total).toBe(1.38);
    expect((await api.call('GET', '/usage?team=core&month=2026-01', { token: admin })).body.total).toBe(1.38);
    expect((await api.call('GET', '/usage?team=core&month=2026-01', { token: dev })).status).toBe(403);
    expect((await api.call('GET', '/usage?team=nope', { token: admin })).status).toBe(404);
  });
});

describe('GET /teams/{team}/invoices', () => {
  it('gives one invoice per month from the first usage on, the current month open', async () => {
    const res = await api.call('GET', '/teams/core/invoices', { token: lead });
    expect(res.status).toBe(200);
    const invoices = res.body as Array<{ month: string; period_start: string; period_end: string; total: number; state: string }>;
    expect(invoices[0]).toMatchObject({ month: '2026-01', period_start: '2026-01-01', period_end: '2026-02-01', charges_total: 1.38, total: 1.38, state: 'closed' });
    for (let n = 1; n < invoices.length; n++) expect(invoices[n]!.period_start).toBe(invoices[n - 1]!.period_end);
    expect(invoices.slice(1).every((i) => i.total === 0)).toBe(true);
    expect(invoices.at(-1)!.state).toBe('open');
    expect(invoices.filter((i) => i.state === 'open')).toHaveLength(1);
    // Outside the team, the team is not revealed; its member who is no admin is refused.
    expect((await api.call('GET', '/teams/core/invoices', { token: eve })).status).toBe(404);
    expect((await api.call('GET', '/teams/core/invoices', { token: dev })).status).toBe(403);
    expect((await api.call('GET', '/teams/nope/invoices', { token: admin })).status).toBe(404);
  });
});

describe('team quotas', () => {
  const formation = async (app: string) =>
    ((await api.call('GET', `/apps/${app}/formation`, { token: dev })).body as Array<{ type: string; quantity: number; size: string }>).map((f) => `${f.type}=${f.quantity}:${f.size}`);

  it('refuses a scale over the instance or memory quota with 422 naming the limit and the use, and changes nothing', async () => {
    expect((await api.call('PATCH', '/teams/core/quotas', { token: dev, body: { max_instances: 3 } })).status).toBe(403);
    const set = await api.call('PATCH', '/teams/core/quotas', { token: admin, body: { max_instances: 3, max_memory_mb: 1536 } });
    expect(set.body).toMatchObject({ max_instances: 3, max_memory_mb: 1536, max_addons: null, use: { instances: 1, memory_mb: 512, addons: 0 } });
    expect((await api.call('PATCH', '/apps/alpha/formation', { token: dev, body: { updates: [{ type: 'worker', quantity: 2 }] } })).status).toBe(200);
    const over = await api.call('PATCH', '/apps/alpha/formation', { token: dev, body: { updates: [{ type: 'web', quantity: 2 }] } });
    expect([over.status, over.body.id]).toEqual([422, 'over_quota']);
    expect(over.body.message).toBe('The team core may run at most 3 instances; it runs 3, and this change would make it 4.');
    const bigger = await api.call('PATCH', '/apps/alpha/formation', { token: dev, body: { updates: [{ type: 'web', quantity: 1, size: 'standard-2x' }] } });
    expect([bigger.status, bigger.body.id]).toEqual([422, 'over_quota']);
    expect(bigger.body.message).toContain('at most 1536 MB of instance memory; it uses 1536 MB, and this change would make it 2048 MB');
    expect(await formation('alpha')).toEqual(['web=1:standard-1x', 'worker=2:standard-1x']);
    // Scaling down is always allowed, and an app in no team has no team quota.
    expect((await api.call('PATCH', '/apps/alpha/formation', { token: dev, body: { updates: [{ type: 'worker', quantity: 1 }] } })).status).toBe(200);
    expect((await api.call('PATCH', '/apps/beta/formation', { token: dev, body: { updates: [{ type: 'web', quantity: 5 }] } })).status).toBe(200);
    expect((await api.call('GET', '/teams/core/quotas', { token: lead })).body.use).toEqual({ instances: 2, memory_mb: 1024, addons: 0 });
  });
});
