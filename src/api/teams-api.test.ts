// Teams as their users meet them through the API: creating a team and its apps, members and their
// roles, grants on one app, what each sees, and moving apps between a user and a team.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADMIN, startTestApi, type TestApi } from '../../test/support/test-api.js';

let api: TestApi;
const tokens: Record<string, string> = {};

async function addUser(name: string): Promise<string> {
  const admin = tokens.admin!;
  const email = `${name}@example.com`;
  expect((await api.call('POST', '/users', { token: admin, body: { email, password: `${name}-password` } })).status).toBe(201);
  tokens[name] = await api.login(email, `${name}-password`);
  return email;
}

const as = (who: string) => ({
  get: (path: string) => api.call('GET', path, { token: tokens[who]! }),
  post: (path: string, body: unknown = {}) => api.call('POST', path, { token: tokens[who]!, body }),
  put: (path: string, body: unknown) => api.call('PUT', path, { token: tokens[who]!, body }),
  patch: (path: string, body: unknown) => api.call('PATCH', path, { token: tokens[who]!, body }),
  del: (path: string) => api.call('DELETE', path, { token: tokens[who]! }),
});
const names = (apps: Array<{ name: string }>) => apps.map((a) => a.name).sort();

beforeAll(async () => {
  api = await startTestApi();
  tokens.admin = await api.login(ADMIN.email, ADMIN.password);
  for (const n of ['ada', 'bob', 'cy', 'dee', 'eve']) await addUser(n);
  // ada runs team "acme": bob is a member, cy a viewer; eve is in no team.
  expect((await as('ada').post('/teams', { name: 'acme' })).body).toMatchObject({ name: 'acme', role: 'admin' });
  expect((await as('ada').put('/teams/acme/members', { email: 'bob@example.com', role: 'member' })).body).toMatchObject({ email: 'bob@example.com', role: 'member' });
  expect((await as('ada').put('/teams/acme/members', { email: 'cy@example.com', role: 'viewer' })).status).toBe(200);
  expect((await as('ada').post('/apps', { name: 'shop', team: 'acme' })).status).toBe(201);
  return () => api.close();
});

afterAll(async () => undefined);

describe('teams and members', () => {
  it('lists the teams a user is in with their role; a team outside them is not found', async () => {
    expect((await as('bob').get('/teams')).body).toEqual([expect.objectContaining({ name: 'acme', role: 'member' })]);
    expect((await as('eve').get('/teams')).body).toEqual([]);
    expect((await as('eve').get('/teams/acme')).status).toBe(404);
    expect((await as('eve').get('/teams/acme/members')).status).toBe(404);
    expect((await as('admin').get('/teams')).body.map((t: { name: string }) => t.name)).toContain('acme');
  });

  it('lets only a team admin change members; a member is told why', async () => {
    const refused = await as('bob').put('/teams/acme/members', { email: 'dee@example.com', role: 'admin' });
    expect(refused.status).toBe(403);
    expect(refused.body.message).toContain('Only an admin of the team acme');
    const members = (await as('cy').get('/teams/acme/members')).body as Array<{ email: string; role: string }>;
    expect(members.map((m) => `${m.email}:${m.role}`).sort()).toEqual(['ada@example.com:admin', 'bob@example.com:member', 'cy@example.com:viewer']);
    expect((await as('ada').put('/teams/acme/members', { email: 'bob@example.com', role: 'owner' })).status).toBe(422);
  });

  it('never leaves a team without an admin', async () => {
    const demote = await as('ada').patch('/teams/acme/members', { email: 'ada@example.com', role: 'member' });
    expect(demote.status).toBe(422);
    expect(demote.body.message).toContain('without an admin');
    expect((await as('ada').del('/teams/acme/members/ada@example.com')).status).toBe(422);
    const removed = await as('admin').del('/users/ada@example.com');
    expect(removed.status).toBe(409);
    expect(removed.body.message).toContain('only admin of the team acme');
  });

  it('shows team apps to every member, owned by the team in Heroku\'s shape', async () => {
    for (const who of ['ada', 'bob', 'cy']) expect(names((await as(who).get('/apps')).body)).toContain('shop');
    expect(names((await as('eve').get('/apps')).body)).not.toContain('shop');
    const shop = (await as('bob').get('/apps/shop')).body;
    expect(shop.team).toEqual({ id: expect.any(String), name: 'acme' });
    expect(shop.owner.email).toBe('acme@herokumanager.com');
    expect(names((await as('cy').get('/teams/acme/apps')).body)).toEqual(['shop']);
  });

  it('refuses a viewer who tries to create a team app, with 403', async () => {
    const res = await as('cy').post('/apps', { name: 'viewer-app', team: 'acme' });
    expect(res.status).toBe(403);
    expect((await as('admin').get('/apps/viewer-app')).status).toBe(404);
  });
});

describe('permissions on a team app', () => {
  it('gives a member view only until granted more; the 403 names the missing permission', async () => {
    const scale = () => as('bob').patch('/apps/shop/formation', { updates: [{ type: 'web', quantity: 2 }] });
    expect((await as('bob').get('/apps/shop/releases')).status).toBe(200);
    const refused = await scale();
    expect(refused.status).toBe(403);
    expect(refused.body.message).toContain('operate');
    expect((await as('bob').get('/apps/shop/config-vars')).status).toBe(403);

    expect((await as('ada').post('/teams/apps/shop/collaborators', { user: 'bob@example.com', permissions: ['operate'] })).status).toBe(201);
    expect((await scale()).status).not.toBe(403);
    expect((await as('bob').get('/apps/shop/config-vars')).status).toBe(403);
    const access = (await as('cy').get('/apps/shop/collaborators')).body as Array<{ user: { email: string }; permissions: Array<{ name: string }> }>;
    expect(access.find((c) => c.user.email === 'bob@example.com')?.permissions.map((p) => p.name)).toEqual(['view', 'operate']);

    expect((await as('ada').patch('/teams/apps/shop/collaborators/bob@example.com', { permissions: ['deploy'] })).status).toBe(200);
    expect((await as('bob').get('/apps/shop/config-vars')).status).toBe(200);
    expect((await scale()).status).toBe(403);
  });

  it('keeps a viewer read-only even with a grant, and forgets grants of a removed member', async () => {
    expect((await as('ada').post('/teams/apps/shop/collaborators', { user: 'cy@example.com', permissions: ['manage'] })).status).toBe(201);
    expect((await as('cy').del('/apps/shop')).status).toBe(403);
    expect((await as('ada').put('/teams/acme/members', { email: 'dee@example.com', role: 'member' })).status).toBe(200);
    expect((await as('ada').post('/teams/apps/shop/collaborators', { user: 'dee@example.com', permissions: ['deploy'] })).status).toBe(201);
    expect((await as('ada').del('/teams/acme/members/dee@example.com')).status).toBe(200);
    expect((await as('dee').get('/apps/shop')).status).toBe(404);
    expect((await as('ada').put('/teams/acme/members', { email: 'dee@example.com', role: 'member' })).status).toBe(200);
    expect((await as('dee').get('/apps/shop/config-vars')).status).toBe(403);
    expect((await as('ada').del('/teams/acme/members/dee@example.com')).status).toBe(200);
  });

  it('gives a member who creates a team app every permission on it', async () => {
    expect((await as('bob').post('/apps', { name: 'bobs-tool', team: 'acme' })).status).toBe(201);
    expect((await as('bob').patch('/apps/bobs-tool/config-vars', { A: '1' })).status).toBe(200);
    expect((await as('bob').del('/apps/bobs-tool')).status).toBe(200);
  });
});

describe('collaborators on a personal app and apps:transfer', () => {
  it('lets a collaborator deploy and operate but not destroy, rename or share the app', async () => {
    expect((await as('eve').post('/apps', { name: 'eves-app' })).status).toBe(201);
    expect((await as('eve').post('/apps/eves-app/collaborators', { user: 'dee@example.com' })).status).toBe(201);
    expect((await as('dee').patch('/apps/eves-app/config-vars', { B: '2' })).status).toBe(200);
    expect((await as('dee').patch('/apps/eves-app', { maintenance: true })).status).toBe(200);
    for (const res of [await as('dee').del('/apps/eves-app'), await as('dee').patch('/apps/eves-app', { name: 'stolen' }),
      await as('dee').post('/apps/eves-app/collaborators', { user: 'bob@example.com' })]) {
      expect(res.status).toBe(403);
      expect(res.body.message).toContain('manage');
    }
    const access = (await as('dee').get('/apps/eves-app/collaborators')).body as Array<{ user: { email: string }; role: string }>;
    expect(access.map((c) => `${c.user.email}:${c.role}`)).toEqual(['eve@example.com:owner', 'dee@example.com:collaborator']);
  });

  it('moves a personal app into a team (collaborators kept) and out to a user (collaborators dropped)', async () => {
    // eve cannot bring her app into a team she is not in.
    expect((await as('eve').patch('/teams/apps/eves-app', { owner: 'acme' })).status).toBe(404);
    expect((await as('admin').put('/teams/acme/members', { email: 'eve@example.com', role: 'member' })).status).toBe(200);
    const moved = await as('eve').patch('/teams/apps/eves-app', { owner: 'acme' });
    expect(moved.body.team).toMatchObject({ name: 'acme' });
    expect(names((await as('cy').get('/teams/acme/apps')).body)).toContain('eves-app');
    expect((await as('dee').get('/apps/eves-app')).status).toBe(200);
    // A member who brings an app keeps every permission on it; a member who did not has view only.
    expect((await as('bob').patch('/teams/apps/eves-app', { owner: 'bob@example.com' })).status).toBe(403);
    const out = await as('eve').patch('/teams/apps/eves-app', { owner: 'bob@example.com' });
    expect(out.status).toBe(200);
    expect(out.body).toMatchObject({ team: null, owner: { email: 'bob@example.com' } });
    for (const who of ['dee', 'cy', 'eve']) expect((await as(who).get('/apps/eves-app')).status).toBe(404);
    const access = (await as('bob').get('/apps/eves-app/collaborators')).body as Array<{ user: { email: string }; role: string }>;
    expect(access.map((c) => `${c.user.email}:${c.role}`)).toEqual(['bob@example.com:owner']);
    expect((await as('bob').del('/apps/eves-app')).status).toBe(200);
  });

  it('hands a personal app to its collaborator (heroku\'s POST /account/app-transfers): they own it, listed once', async () => {
    expect((await as('dee').post('/apps', { name: 'dees-app' })).status).toBe(201);
    expect((await as('dee').post('/apps/dees-app/collaborators', { user: 'cy@example.com' })).status).toBe(201);
    const moved = await as('dee').post('/account/app-transfers', { app: 'dees-app', recipient: 'cy@example.com' });
    expect(moved.status).toBe(201);
    expect(moved.body).toMatchObject({ state: 'accepted', owner: { email: 'cy@example.com' } });
    const access = (await as('cy').get('/apps/dees-app/collaborators')).body as Array<{ user: { email: string }; role: string }>;
    expect(access.map((c) => `${c.user.email}:${c.role}`)).toEqual(['cy@example.com:owner']);
    expect((await as('dee').get('/apps/dees-app')).status).toBe(404);
    // Handed back, cy keeps nothing: her old collaborator grant did not survive her ownership.
    expect((await as('cy').post('/account/app-transfers', { app: 'dees-app', recipient: 'dee@example.com' })).status).toBe(201);
    expect((await as('cy').get('/apps/dees-app')).status).toBe(404);
    expect((await as('dee').del('/apps/dees-app')).status).toBe(200);
  });

  it('keeps the team apps a removed user created', async () => {
    expect((await as('ada').put('/teams/acme/members', { email: 'eve@example.com', role: 'member' })).status).toBe(200);
    expect((await as('eve').post('/apps', { name: 'eves-team-app', team: 'acme' })).status).toBe(201);
    expect((await as('admin').del('/users/eve@example.com')).status).toBe(200);
    expect((await as('cy').get('/apps/eves-team-app')).body).toMatchObject({ name: 'eves-team-app', team: { name: 'acme' } });
    expect((await as('ada').del('/apps/eves-team-app')).status).toBe(200);
  });

  it('refuses to delete a team that still owns apps', async () => {
    const res = await as('ada').del('/teams/acme');
    expect(res.status).toBe(409);
    expect(res.body.message).toContain('shop');
  });
});
