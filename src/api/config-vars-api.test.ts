// Config vars as a hostile tenant would send them: over the size limits, platform names, bytes
// that break an environment. Each refusal must leave the config and the releases as they were.
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADMIN, startTestApi, type TestApi } from '../../test/support/test-api.js';

let api: TestApi;
let token: string;
const call = (method: string, path: string, body?: unknown) => api.call(method, path, { token, body });
const rawPatch = (path: string, rawBody: string) => api.call('PATCH', path, { token, rawBody });

/** `count` vars of `bytes` value bytes each, named PREFIX_0 … */
const vars = (prefix: string, count: number, bytes: number): Record<string, string> =>
  Object.fromEntries(Array.from({ length: count }, (_, i) => [`${prefix}_${i}`, String(i % 10).repeat(bytes)]));

/** What the shared database file holds, in bytes, as SQLite counts its pages. */
function databaseBytes(): number {
  const db = new Database(join(api.home, 'db', 'berth.sqlite'), { readonly: true });
  try {
    return (db.pragma('page_count', { simple: true }) as number) * (db.pragma('page_size', { simple: true }) as number);
  } finally {
    db.close();
  }
}

async function expectUnchanged(app: string, config: Record<string, string>, releases: number): Promise<void> {
  expect((await call('GET', `/apps/${app}/config-vars`)).body).toEqual(config);
  expect((await call('GET', `/apps/${app}/releases`)).body).toHaveLength(releases);
}

beforeAll(async () => {
  api = await startTestApi();
  token = await api.login(ADMIN.email, ADMIN.password);
});
afterAll(() => api.close());

describe('config size limits', () => {
  it('refuses a change that takes the config past 32 KiB with 422 config_too_large, naming the limit and the size, and changes nothing', async () => {
    await call('POST', '/apps', { name: 'cfg-big' });
    await call('PATCH', '/apps/cfg-big/config-vars', { KEEP: 'me' });
    // 20 values of 2,000 bytes: each value is legal on its own, together they are not.
    const res = await call('PATCH', '/apps/cfg-big/config-vars', vars('BIG', 20, 2000));
    expect(res.status).toBe(422);
    expect(res.body.id).toBe('config_too_large');
    expect(res.body.message).toContain('32768 bytes');
    expect(res.body.message).toMatch(/\b40\d{3} bytes\b/);
    await expectUnchanged('cfg-big', { KEEP: 'me' }, 1);
  });

  it('counts keys as well as values, and accepts a config just under the limit', async () => {
    await call('POST', '/apps', { name: 'cfg-edge' });
    // 8 vars: keys "EDGE_0".."EDGE_7" are 6 bytes each; 8 × (6 + 4090) = 32768 exactly.
    const ok = await call('PATCH', '/apps/cfg-edge/config-vars', vars('EDGE', 8, 4090));
    expect(ok.status).toBe(200);
    const over = await call('PATCH', '/apps/cfg-edge/config-vars', { X: '' });
    expect(over.status).toBe(422);
    expect(over.body.message).toContain('32769 bytes');
    await expectUnchanged('cfg-edge', vars('EDGE', 8, 4090), 1);
  });

  it('refuses more than 500 config vars', async () => {
    await call('POST', '/apps', { name: 'cfg-many' });
    const res = await call('PATCH', '/apps/cfg-many/config-vars', vars('V', 501, 1));
    expect(res.status).toBe(422);
    expect(res.body.id).toBe('config_too_large');
    expect(res.body.message).toContain('501 config vars');
    expect(res.body.message).toContain('500');
    await expectUnchanged('cfg-many', {}, 0);
  });

  it('lets a config stored over the limit before the limit existed shrink, but not grow', async () => {
    await call('POST', '/apps', { name: 'cfg-legacy' });
    const appId = (await call('GET', '/apps/cfg-legacy')).body.id as string;
    const legacy = vars('OLD', 10, 5000);
    await api.deps.store.config.replace(appId, legacy);
    const grow = await call('PATCH', '/apps/cfg-legacy/config-vars', { MORE: 'x' });
    expect(grow.status).toBe(422);
    const { OLD_0: _dropped, ...rest } = legacy;
    const shrink = await call('PATCH', '/apps/cfg-legacy/config-vars', { OLD_0: null });
    expect(shrink.status).toBe(200);
    expect(shrink.body).toEqual(rest);
  });
});

describe('config keys and values that would break an instance', () => {
  it('refuses keys the platform sets itself (PORT, DYNO, HOME) and says why', async () => {
    await call('POST', '/apps', { name: 'cfg-platform' });
    for (const key of ['PORT', 'DYNO', 'HOME']) {
      const res = await call('PATCH', '/apps/cfg-platform/config-vars', { [key]: '1', OK: 'y' });
      expect(res.status, key).toBe(422);
      expect(res.body.id).toBe('invalid_params');
      expect(res.body.message).toContain(`${key} is set by the platform`);
    }
    await expectUnchanged('cfg-platform', {}, 0);
    // One stored before the rule existed can still be removed.
    const appId = (await call('GET', '/apps/cfg-platform')).body.id as string;
    await api.deps.store.config.replace(appId, { PORT: '80', OK: 'y' });
    const unset = await call('PATCH', '/apps/cfg-platform/config-vars', { PORT: null });
    expect(unset.status).toBe(200);
    expect(unset.body).toEqual({ OK: 'y' });
  });

  it('refuses "=" and NUL in keys, NUL in values, and __proto__ as a key', async () => {
    await call('POST', '/apps', { name: 'cfg-bytes' });
    await call('PATCH', '/apps/cfg-bytes/config-vars', { KEEP: 'me' });
    for (const body of [{ 'A=B': 'x' }, { 'A\u0000B': 'x' }, { A: 'x\u0000y' }]) {
      const res = await call('PATCH', '/apps/cfg-bytes/config-vars', body);
      expect(res.status, JSON.stringify(body)).toBe(422);
      expect(res.body.id).toBe('invalid_params');
    }
    const proto = await rawPatch('/apps/cfg-bytes/config-vars', '{"__proto__": "x", "OK": "y"}');
    expect(proto.status).toBe(422);
    expect(proto.body.message).toContain('__proto__');
    await expectUnchanged('cfg-bytes', { KEEP: 'me' }, 1);
  });

  it('unsets and sets a var named like an Object property (constructor) as an ordinary key', async () => {
    await call('POST', '/apps', { name: 'cfg-ctor' });
    const unsetMissing = await call('PATCH', '/apps/cfg-ctor/config-vars', { constructor: null, toString: null });
    expect(unsetMissing.status).toBe(200);
    expect(unsetMissing.body).toEqual({});
    expect((await call('GET', '/apps/cfg-ctor/releases')).body).toHaveLength(0);
    expect((await call('PATCH', '/apps/cfg-ctor/config-vars', { constructor: 'c' })).body).toEqual({ constructor: 'c' });
  });
});

describe('releases share config snapshots', () => {
  it('many releases of the same big config do not grow the database linearly, and rollback restores each config', async () => {
    await call('POST', '/apps', { name: 'cfg-share' });
    const big = vars('BIG', 15, 2000); // ~30 KB: legal
    await call('PATCH', '/apps/cfg-share/config-vars', big);
    await call('PATCH', '/apps/cfg-share/config-vars', { SMALL: '1' });
    const before = databaseBytes();
    // 40 rollbacks alternate between the two configs: 40 releases, only 2 distinct configs.
    for (let i = 0; i < 40; i++) {
      const res = await call('POST', '/apps/cfg-share/releases', { release: i % 2 === 0 ? 'v1' : 'v2' });
      expect(res.status).toBe(201);
    }
    const grown = databaseBytes() - before;
    // A full copy per release would add 40 × 30 KB = 1.2 MB; shared snapshots add release rows only.
    expect(grown).toBeLessThan(300 * 1024);
    expect((await call('GET', '/apps/cfg-share/config-vars')).body).toEqual({ ...big, SMALL: '1' });
    await call('POST', '/apps/cfg-share/releases', { release: 'v1' });
    expect((await call('GET', '/apps/cfg-share/config-vars')).body).toEqual(big);
    expect((await call('GET', '/apps/cfg-share/releases/v43')).body.description).toBe('Rollback to v1');
  });
});
