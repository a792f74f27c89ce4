// Accounts over real HTTP: health, login, tokens, revocation, users, 401/403.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADMIN, startTestApi, type TestApi } from '../../test/support/test-api.js';

let api: TestApi;
let admin: string;
beforeAll(async () => {
  api = await startTestApi();
  admin = await api.login(ADMIN.email, ADMIN.password);
});
afterAll(() => api.close());

describe('health and authentication', () => {
  it('answers /health without credentials', async () => {
    expect(await api.call('GET', '/health')).toMatchObject({ status: 200, body: { status: 'ok' } });
  });

  it('refuses requests without a token, or with a wrong one, with 401 and a Heroku error body', async () => {
    for (const token of [undefined, 'berth_not-a-real-token']) {
      const res = await api.call('GET', '/apps', { token });
      expect(res.status).toBe(401);
      expect(res.body).toEqual({ id: 'unauthorized', message: 'Invalid credentials provided.' });
    }
  });

  it('accepts the token as the password of HTTP basic auth, as git sends it', async () => {
    const basic = Buffer.from(`anything:${admin}`).toString('base64');
    expect((await api.call('GET', '/account', { headers: { Authorization: `Basic ${basic}` } })).body.email).toBe(ADMIN.email);
  });

  it('shows the account of the token', async () => {
    const res = await api.call('GET', '/account', { token: admin });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ email: ADMIN.email, admin: true });
  });
});

describe('POST /oauth/authorizations', () => {
  it('exchanges email and password for a token shown once', async () => {
    const basic = Buffer.from(`${ADMIN.email}:${ADMIN.password}`).toString('base64');
    const res = await api.call('POST', '/oauth/authorizations', { headers: { Authorization: `Basic ${basic}` }, body: { description: 'laptop' } });
    expect(res.status).toBe(201);
    expect(res.body.access_token.token).toMatch(/^berth_/);
    expect(res.body.description).toBe('laptop');
    const listed = await api.call('GET', '/oauth/authorizations', { token: admin });
    expect(JSON.stringify(listed.body)).not.toContain(res.body.access_token.token);
  });

  it('refuses a wrong password and an unknown email alike', async () => {
    for (const [email, password] of [[ADMIN.email, 'wrong password'], ['nobody@example.com', ADMIN.password]]) {
      const basic = Buffer.from(`${email}:${password}`).toString('base64');
      const res = await api.call('POST', '/oauth/authorizations', { headers: { Authorization: `Basic ${basic}` } });
      expect(res.status).toBe(401);
      expect(res.body.id).toBe('unauthorized');
    }
  });

  it('stores tokens only as hashes', async () => {
    const token = await api.login(ADMIN.email, ADMIN.password);
    const user = await api.deps.store.users.byEmail(ADMIN.email);
    const stored = await api.deps.store.tokens.listForUser(user!.id);
    expect(stored.length).toBeGreaterThan(0);
    expect(JSON.stringify(stored)).not.toContain(token);
  });

  it('lists tokens with the current one marked, and a revoked token stops working at once', async () => {
    const token = await api.login(ADMIN.email, ADMIN.password);
    const listed = await api.call('GET', '/oauth/authorizations', { token });
    const current = listed.body.find((a: { current: boolean }) => a.current);
    expect(current).toBeDefined();
    expect((await api.call('DELETE', `/oauth/authorizations/${current.id}`, { token: admin })).status).toBe(200);
    expect((await api.call('GET', '/account', { token })).status).toBe(401);
    expect((await api.call('DELETE', `/oauth/authorizations/${current.id}`, { token: admin })).status).toBe(404);
  });
});

describe('/users (admin only)', () => {
  it('lets the admin add a user, who can log in and sees none of the admin\'s apps', async () => {
    await api.call('POST', '/apps', { token: admin, body: { name: 'admins-app' } });
    const added = await api.call('POST', '/users', { token: admin, body: { email: 'Bob@Example.com', password: 'bob-password-1' } });
    expect(added.status).toBe(201);
    expect(added.body).toMatchObject({ email: 'bob@example.com', admin: false });
    expect(added.body.password).toBeUndefined();
    const bob = await api.login('bob@example.com', 'bob-password-1');
    expect((await api.call('GET', '/apps', { token: bob })).body).toEqual([]);
    const res = await api.call('GET', '/apps/admins-app', { token: bob });
    // Someone else's app is answered as if it did not exist: its name is not confirmed.
    expect(res.status).toBe(404);
    expect(res.body).toMatchObject({ id: 'not_found', message: "Couldn't find that app." });
    expect((await api.call('PATCH', '/apps/admins-app/config-vars', { token: bob, body: { X: '1' } })).status).toBe(404);
    expect((await api.call('DELETE', '/apps/admins-app', { token: bob })).status).toBe(404);
    expect((await api.call('GET', '/apps/admins-app', { token: admin })).status).toBe(200);
  });

  it('generates a password when none is given and returns it once', async () => {
    const added = await api.call('POST', '/users', { token: admin, body: { email: 'carol@example.com' } });
    expect(added.body.password).toMatch(/^\S{20}$/);
    await expect(api.login('carol@example.com', added.body.password)).resolves.toMatch(/^berth_/);
  });

  it('refuses non-admins, duplicate emails, bad emails and short passwords', async () => {
    await api.call('POST', '/users', { token: admin, body: { email: 'dave@example.com', password: 'dave-password' } });
    const dave = await api.login('dave@example.com', 'dave-password');
    expect((await api.call('GET', '/users', { token: dave })).status).toBe(403);
    expect((await api.call('POST', '/users', { token: dave, body: { email: 'x@example.com' } })).status).toBe(403);
    expect((await api.call('POST', '/users', { token: admin, body: { email: 'dave@example.com' } })).status).toBe(409);
    expect((await api.call('POST', '/users', { token: admin, body: { email: 'not an email' } })).status).toBe(422);
    expect((await api.call('POST', '/users', { token: admin, body: { email: 'e@example.com', password: 'short' } })).status).toBe(422);
  });

  it('removes a user, whose tokens stop working, but not one who still owns apps', async () => {
    await api.call('POST', '/users', { token: admin, body: { email: 'erin@example.com', password: 'erin-password' } });
    const erin = await api.login('erin@example.com', 'erin-password');
    await api.call('POST', '/apps', { token: erin, body: { name: 'erins-app' } });
    const refused = await api.call('DELETE', '/users/erin@example.com', { token: admin });
    expect(refused.status).toBe(409);
    expect(refused.body.message).toContain('erins-app');
    await api.call('DELETE', '/apps/erins-app', { token: erin });
    expect((await api.call('DELETE', '/users/erin@example.com', { token: admin })).status).toBe(200);
    expect((await api.call('GET', '/account', { token: erin })).status).toBe(401);
    expect((await api.call('GET', '/users', { token: admin })).body.map((u: { email: string }) => u.email)).not.toContain('erin@example.com');
  });
});
