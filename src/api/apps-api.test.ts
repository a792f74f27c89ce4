// Apps, config vars, releases and formation over real HTTP, with their error cases.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADMIN, startTestApi, type TestApi } from '../../test/support/test-api.js';

let api: TestApi;
let token: string;
const call = (method: string, path: string, body?: unknown, headers?: Record<string, string>) => api.call(method, path, { token, body, headers });

beforeAll(async () => {
  api = await startTestApi();
  token = await api.login(ADMIN.email, ADMIN.password);
});
afterAll(() => api.close());

describe('/apps', () => {
  it('creates an app with Heroku\'s fields and finds it by name and by id', async () => {
    const res = await call('POST', '/apps', { name: 'shop' });
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({ name: 'shop', maintenance: false, owner: { email: ADMIN.email }, stack: { name: 'berth-24' }, web_url: 'http://shop.localhost:8080/', git_url: 'http://localhost:5000/shop.git' });
    expect((await call('GET', '/apps/shop')).body.id).toBe(res.body.id);
    expect((await call('GET', `/apps/${res.body.id}`)).body.name).toBe('shop');
  });

  it('generates a name when none is given', async () => {
    const res = await call('POST', '/apps', {});
    expect(res.status).toBe(201);
    expect(res.body.name).toMatch(/^[a-z]+-[a-z]+-\d{4}$/);
  });

  it('refuses bad names with a 422 that says what is allowed, and creates nothing', async () => {
    const before = (await call('GET', '/apps')).body.length;
    for (const name of ['ab', 'Uppercase', '1starts-with-digit', 'has_underscore', 'ends-', 'x'.repeat(31), '../etc', 'a;rm -rf', 42]) {
      const res = await call('POST', '/apps', { name });
      expect(res.status, String(name)).toBe(422);
      expect(res.body.id).toBe('invalid_params');
      expect(res.body.message).toContain('lowercase letters, digits and dashes');
    }
    const reserved = await call('POST', '/apps', { name: 'admin' });
    expect(reserved.status).toBe(422);
    expect(reserved.body.message).toContain('reserved');
    expect((await call('GET', '/apps')).body.length).toBe(before);
  });

  it('refuses a taken name', async () => {
    await call('POST', '/apps', { name: 'taken-name' });
    const res = await call('POST', '/apps', { name: 'taken-name' });
    expect(res.status).toBe(422);
    expect(res.body).toMatchObject({ id: 'invalid_params', message: 'Name taken-name is already taken.' });
  });

  it('answers 404 with a Heroku error body for an unknown app', async () => {
    const res = await call('GET', '/apps/no-such-app');
    expect(res.status).toBe(404);
    expect(res.body).toEqual({ id: 'not_found', message: "Couldn't find that app.", resource: 'app' });
  });

  it('renames an app and toggles maintenance', async () => {
    await call('POST', '/apps', { name: 'old-name' });
    const renamed = await call('PATCH', '/apps/old-name', { name: 'new-name' });
    expect(renamed.body.name).toBe('new-name');
    expect((await call('GET', '/apps/old-name')).status).toBe(404);
    expect((await call('PATCH', '/apps/new-name', { maintenance: true })).body.maintenance).toBe(true);
    expect((await call('PATCH', '/apps/new-name', { maintenance: 'yes' })).status).toBe(422);
    expect((await call('PATCH', '/apps/new-name', { name: 'Bad Name' })).status).toBe(422);
    expect((await call('GET', '/apps/new-name')).body.maintenance).toBe(true);
  });

  it('destroys an app', async () => {
    await call('POST', '/apps', { name: 'doomed' });
    const res = await call('DELETE', '/apps/doomed');
    expect(res.status).toBe(200);
    expect(res.body.name).toBe('doomed');
    expect((await call('GET', '/apps/doomed')).status).toBe(404);
  });

  it('paginates with the Range header', async () => {
    for (const n of ['page-a', 'page-b', 'page-c']) await call('POST', '/apps', { name: n });
    const all: string[] = (await call('GET', '/apps')).body.map((a: { name: string }) => a.name);
    const first = await call('GET', '/apps', undefined, { Range: 'name ..; max=2' });
    expect(first.status).toBe(206);
    expect(first.body.map((a: { name: string }) => a.name)).toEqual(all.slice(0, 2));
    const next = first.headers.get('next-range')!;
    expect(next).toMatch(/^name \]/);
    const second = await call('GET', '/apps', undefined, { Range: next });
    expect(second.body.map((a: { name: string }) => a.name)).toEqual(all.slice(2, 4));
    expect((await call('GET', '/apps', undefined, { Range: 'bogus' })).status).toBe(400);
  });
});

describe('/apps/{app}/config-vars and releases', () => {
  it('sets, keeps literal values, unsets with null, and makes a release per change', async () => {
    await call('POST', '/apps', { name: 'cfg' });
    expect((await call('GET', '/apps/cfg/config-vars')).body).toEqual({});
    const set = await call('PATCH', '/apps/cfg/config-vars', { GREETING: 'hello', CMD: '$(id)', EQ: 'a=b=c' });
    expect(set.body).toEqual({ GREETING: 'hello', CMD: '$(id)', EQ: 'a=b=c' });
    const unset = await call('PATCH', '/apps/cfg/config-vars', { GREETING: null });
    expect(unset.body).toEqual({ CMD: '$(id)', EQ: 'a=b=c' });
    const releases = (await call('GET', '/apps/cfg/releases')).body;
    expect(releases.map((r: { version: number; description: string }) => [r.version, r.description])).toEqual([
      [1, 'Set GREETING, CMD, EQ config vars'],
      [2, 'Remove GREETING config vars'],
    ]);
    expect(releases[1].current).toBe(true);
    expect(releases[0]).toMatchObject({ status: 'succeeded', user: { email: ADMIN.email }, app: { name: 'cfg' } });
  });

  it('makes no release when nothing changes', async () => {
    await call('POST', '/apps', { name: 'same' });
    await call('PATCH', '/apps/same/config-vars', { A: '1' });
    await call('PATCH', '/apps/same/config-vars', { A: '1', MISSING: null });
    expect((await call('GET', '/apps/same/releases')).body).toHaveLength(1);
  });

  it('refuses bad keys and non-string values without changing anything', async () => {
    await call('POST', '/apps', { name: 'strict' });
    await call('PATCH', '/apps/strict/config-vars', { KEEP: 'me' });
    for (const body of [{ 'BAD-KEY': 'x', OK: 'y' }, { '1ST': 'x' }, { OK: 42 }, ['A']]) {
      const res = await call('PATCH', '/apps/strict/config-vars', body);
      expect(res.status, JSON.stringify(body)).toBeGreaterThanOrEqual(400);
      expect(res.status).toBeLessThan(500);
    }
    expect((await call('GET', '/apps/strict/config-vars')).body).toEqual({ KEEP: 'me' });
    expect((await call('GET', '/apps/strict/releases')).body).toHaveLength(1);
  });

  it('shows one release by version, v-version and id, and 404s an unknown one', async () => {
    await call('POST', '/apps', { name: 'rel' });
    await call('PATCH', '/apps/rel/config-vars', { A: '1' });
    const byVersion = await call('GET', '/apps/rel/releases/1');
    expect(byVersion.body.version).toBe(1);
    expect((await call('GET', '/apps/rel/releases/v1')).body.id).toBe(byVersion.body.id);
    expect((await call('GET', `/apps/rel/releases/${byVersion.body.id}`)).body.version).toBe(1);
    expect((await call('GET', '/apps/rel/releases/99')).status).toBe(404);
  });

  it('rolls back: a new release copying the old release\'s config', async () => {
    await call('POST', '/apps', { name: 'roll' });
    await call('PATCH', '/apps/roll/config-vars', { COLOR: 'blue' });
    await call('PATCH', '/apps/roll/config-vars', { COLOR: 'red', EXTRA: '1' });
    const v1 = (await call('GET', '/apps/roll/releases/1')).body;
    const res = await call('POST', '/apps/roll/releases', { release: v1.id });
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({ version: 3, description: 'Rollback to v1', current: true });
    expect((await call('GET', '/apps/roll/config-vars')).body).toEqual({ COLOR: 'blue' });
    expect((await call('POST', '/apps/roll/releases', { release: 'nope' })).status).toBe(404);
    expect((await call('GET', '/apps/roll/releases')).body).toHaveLength(3);
  });

  it('lists releases newest first with Range order=desc, as the heroku CLI asks', async () => {
    await call('POST', '/apps', { name: 'many' });
    for (let i = 0; i < 5; i++) await call('PATCH', '/apps/many/config-vars', { N: String(i) });
    const res = await call('GET', '/apps/many/releases', undefined, { Range: 'version ..; max=2, order=desc' });
    expect(res.status).toBe(206);
    expect(res.body.map((r: { version: number }) => r.version)).toEqual([5, 4]);
    expect(res.headers.get('next-range')).toBe('version ]4..; max=2, order=desc');
    const rest = await call('GET', '/apps/many/releases', undefined, { Range: res.headers.get('next-range')! });
    expect(rest.body.map((r: { version: number }) => r.version)).toEqual([3, 2]);
  });
});

describe('/apps/{app}/formation', () => {
  it('scales in a batch, reads back one type, and changes size', async () => {
    await call('POST', '/apps', { name: 'scaler' });
    const res = await call('PATCH', '/apps/scaler/formation', { updates: [{ type: 'web', quantity: 2 }, { type: 'worker', quantity: 1, size: 'standard-2x' }] });
    expect(res.status).toBe(200);
    expect(res.body.map((f: { type: string; quantity: number; size: string }) => [f.type, f.quantity, f.size])).toEqual([['web', 2, 'standard-1x'], ['worker', 1, 'standard-2x']]);
    expect((await call('GET', '/apps/scaler/formation/web')).body).toMatchObject({ type: 'web', quantity: 2, app: { name: 'scaler' } });
    expect((await call('PATCH', '/apps/scaler/formation/web', { size: '2X' })).body.size).toBe('standard-2x');
    expect((await call('GET', '/apps/scaler/formation')).body).toHaveLength(2);
  });

  it('applies none of a batch when one entry is bad', async () => {
    await call('POST', '/apps', { name: 'batch' });
    await call('PATCH', '/apps/batch/formation', { updates: [{ type: 'web', quantity: 1 }] });
    for (const bad of [{ type: 'worker', quantity: -1 }, { type: 'worker', quantity: 1.5 }, { type: 'worker', quantity: 101 }, { type: 'worker', size: 'huge' }, { type: 'bad type!', quantity: 1 }]) {
      const res = await call('PATCH', '/apps/batch/formation', { updates: [{ type: 'web', quantity: 3 }, bad] });
      expect(res.status, JSON.stringify(bad)).toBe(422);
    }
    expect((await call('GET', '/apps/batch/formation')).body.map((f: { type: string; quantity: number }) => [f.type, f.quantity])).toEqual([['web', 1]]);
    expect((await call('GET', '/apps/batch/formation/worker')).status).toBe(404);
  });
});

describe('malformed requests', () => {
  it('answers malformed JSON with 400 bad_request', async () => {
    const res = await api.call('POST', '/apps', { token, rawBody: '{"name": ' });
    expect(res.status).toBe(400);
    expect(res.body.id).toBe('bad_request');
    expect(res.body.message).toContain('Malformed JSON');
  });

  it('refuses a JSON body that is not an object on every JSON endpoint, and changes nothing', async () => {
    await call('POST', '/apps', { name: 'shape-check' });
    const before = (await call('GET', '/apps')).body.length;
    const configBefore = (await call('GET', '/apps/shape-check/config-vars')).body;
    const endpoints: [string, string][] = [['POST', '/apps'], ['PATCH', '/apps/shape-check'], ['PATCH', '/apps/shape-check/config-vars'], ['PATCH', '/apps/shape-check/formation'], ['POST', '/users']];
    for (const [method, path] of endpoints) {
      for (const rawBody of ['[]', '"x"', '42', 'null', 'true', '["name"]']) {
        const res = await api.call(method, path, { token, rawBody });
        expect(res.status, `${method} ${path} ${rawBody}`).toBe(400);
        expect(res.body).toMatchObject({ id: 'bad_request', message: expect.stringContaining('must be a JSON object') });
      }
    }
    // A bare string sent as text/plain is no object either.
    const text = await api.call('POST', '/apps', { token, rawBody: 'hello', headers: { 'Content-Type': 'text/plain' } });
    expect(text.status).toBe(415);
    expect((await call('GET', '/apps')).body.length).toBe(before);
    expect((await call('GET', '/apps/shape-check/config-vars')).body).toEqual(configBefore);
  });

  it('refuses an oversized body with 413 and creates nothing', async () => {
    const before = (await call('GET', '/apps')).body.length;
    const res = await api.call('POST', '/apps', { token, rawBody: JSON.stringify({ name: 'big', pad: 'x'.repeat(2 * 1024 * 1024) }) });
    expect(res.status).toBe(413);
    expect(res.body.id).toBe('request_entity_too_large');
    expect((await call('GET', '/apps')).body.length).toBe(before);
  });

  it('answers unknown endpoints with 404 not_found', async () => {
    const res = await call('GET', '/no/such/thing');
    expect(res.status).toBe(404);
    expect(res.body.id).toBe('not_found');
  });
});

describe('/apps/{app}/buildpack-installations', () => {
  it('sets the buildpacks an app builds with, in order, and refuses bad ones without changing them', async () => {
    await call('POST', '/apps', { name: 'packs' });
    expect((await call('GET', '/apps/packs/buildpack-installations')).body).toEqual([]);
    const set = await call('PUT', '/apps/packs/buildpack-installations', { updates: [{ buildpack: 'heroku/nodejs' }, { buildpack: 'https://example.com/bp.git' }] });
    expect(set.body.map((b: { ordinal: number; buildpack: { url: string } }) => [b.ordinal, b.buildpack.url])).toEqual([[0, 'heroku/nodejs'], [1, 'https://example.com/bp.git']]);
    expect((await call('PUT', '/apps/packs/buildpack-installations', { updates: [{ buildpack: '--upload-pack=evil' }] })).status).toBe(422);
    expect((await call('GET', '/apps/packs/buildpack-installations')).body).toHaveLength(2);
  });
});
