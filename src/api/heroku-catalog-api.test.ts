// What the heroku CLI's stack:set, access, regions, labs/features and buildpacks:set NAME ask for, over real HTTP.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADMIN, startTestApi, type TestApi } from '../../test/support/test-api.js';

let api: TestApi;
let token: string;
const call = (method: string, path: string, body?: unknown) => api.call(method, path, { token, body });

beforeAll(async () => {
  api = await startTestApi();
  token = await api.login(ADMIN.email, ADMIN.password);
  await call('POST', '/apps', { name: 'catalog' });
});
afterAll(() => api.close());

describe('heroku catalog endpoints', () => {
  it('PATCH build_stack accepts Berth\'s one stack and refuses another by name, changing nothing', async () => {
    expect((await call('PATCH', '/apps/catalog', { build_stack: 'berth-24' })).body).toMatchObject({ stack: { name: 'berth-24' }, build_stack: { name: 'berth-24' } });
    const refused = await call('PATCH', '/apps/catalog', { build_stack: 'heroku-24', maintenance: true });
    expect(refused.status).toBe(422);
    expect(refused.body).toMatchObject({ id: 'invalid_params', message: 'Unknown stack "heroku-24". Available: berth-24.' });
    expect((await call('GET', '/apps/catalog')).body).toMatchObject({ maintenance: false, build_stack: { name: 'berth-24' } });
  });

  it('lists the owner as the app\'s collaborator with role owner', async () => {
    const app = (await call('GET', '/apps/catalog')).body;
    expect((await call('GET', '/apps/catalog/collaborators')).body).toEqual([
      expect.objectContaining({ role: 'owner', app: { id: app.id, name: 'catalog' }, user: { id: app.owner.id, email: ADMIN.email, federated: false } }),
    ]);
  });

  it('one region, the one apps report', async () => {
    const app = (await call('GET', '/apps/catalog')).body;
    const regions = (await call('GET', '/regions')).body;
    expect(regions).toEqual([expect.objectContaining({ id: app.region.id, name: app.region.name, private_capable: false })]);
    expect((await call('GET', `/regions/${app.region.name}`)).body.id).toBe(app.region.id);
    expect((await call('GET', '/regions/us')).status).toBe(404);
  });

  it('no account features; an app has the edge features, off; naming another is not found', async () => {
    expect((await call('GET', '/account/features')).body).toEqual([]);
    const appFeatures = (await call('GET', '/apps/catalog/features')).body as Array<{ name: string; enabled: boolean }>;
    expect(appFeatures.map((f) => [f.name, f.enabled]).sort()).toEqual([['hsts', false], ['http-redirect', false]]);
    expect((await call('GET', '/apps/nope/features')).status).toBe(404);
    const one = await call('PATCH', '/apps/catalog/features/preboot', { enabled: true });
    expect(one.status).toBe(404);
    expect(one.body.message).toBe("Couldn't find that feature: preboot.");
  });

  it('the buildpack registry lookup answers, without a token, for the built-in heroku names only', async () => {
    const found = await api.call('GET', '/buildpacks/heroku%2Fnodejs');
    expect(found.status).toBe(200);
    expect(found.body).toMatchObject({ namespace: 'heroku', name: 'nodejs', blob_url: 'heroku/nodejs' });
    expect((await api.call('GET', '/buildpacks/heroku/python')).body.blob_url).toBe('heroku/python');
    expect((await api.call('GET', '/buildpacks/heroku%2Fruby')).status).toBe(404);
  });

  it('a buildpack update without a buildpack is refused naming the built-ins', async () => {
    const res = await call('PUT', '/apps/catalog/buildpack-installations', { updates: [{}] });
    expect(res.status).toBe(422);
    expect(res.body.message).toContain('Built-in names: heroku/nodejs, heroku/python');
  });
});
