// berth teams / members / access / apps:transfer / apps --team, run in-process against the real API.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADMIN, startTestApi, type TestApi } from '../../../test/support/test-api.js';
import { runBerth } from '../testing/in-process-cli.js';

let api: TestApi;
const tokens: Record<string, string> = {};

const berth = (who: string, ...argv: string[]) => runBerth(argv, { url: api.url, token: tokens[who]! });

beforeAll(async () => {
  api = await startTestApi();
  tokens.admin = await api.login(ADMIN.email, ADMIN.password);
  for (const name of ['ada', 'bob', 'cy']) {
    await api.call('POST', '/users', { token: tokens.admin, body: { email: `${name}@example.com`, password: `${name}-password` } });
    tokens[name] = await api.login(`${name}@example.com`, `${name}-password`);
  }
});
afterAll(async () => api?.close());

describe('berth teams, members, access', () => {
  it('creates a team, adds members with roles and lists them', async () => {
    expect((await berth('ada', 'teams:create', 'acme')).code).toBe(0);
    expect((await berth('ada', 'members:add', 'bob@example.com', '--team', 'acme', '--role', 'member')).code).toBe(0);
    expect((await berth('ada', 'members:add', 'cy@example.com', '-t', 'acme', '-r', 'member')).code).toBe(0);
    expect((await berth('ada', 'members:set', 'cy@example.com', '-t', 'acme', '-r', 'viewer')).code).toBe(0);
    const list = await berth('bob', 'members', '--team', 'acme');
    expect(list.stdout.split('\n').slice(2, 5).map((l) => l.trim().split(/\s+/))).toEqual([
      ['ada@example.com', 'admin'], ['bob@example.com', 'member'], ['cy@example.com', 'viewer'],
    ]);
    expect((await berth('cy', 'teams')).stdout).toMatch(/acme\s+viewer/);
    const refused = await berth('bob', 'members:remove', 'cy@example.com', '--team', 'acme');
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain('Only an admin of the team acme');
  });

  it('creates a team app, grants a member permissions, updates and removes them', async () => {
    expect((await berth('ada', 'apps:create', 'shop', '--team', 'acme', '--no-remote')).code).toBe(0);
    expect((await berth('cy', 'apps', '--team', 'acme')).stdout).toContain('shop');
    expect((await berth('ada', 'access:add', 'bob@example.com', '-a', 'shop', '--permissions', 'deploy,operate')).code).toBe(0);
    expect((await berth('bob', 'access', '-a', 'shop')).stdout).toMatch(/bob@example\.com\s+member\s+view, deploy, operate/);
    expect((await berth('ada', 'access:update', 'bob@example.com', '-a', 'shop', '-p', 'operate')).code).toBe(0);
    expect((await berth('bob', 'config:set', 'A=1', '-a', 'shop')).stderr).toContain('deploy permission');
    expect((await berth('ada', 'access:remove', 'bob@example.com', '-a', 'shop')).code).toBe(0);
    expect((await berth('bob', 'access', '-a', 'shop', '--json')).stdout).not.toContain('"bob@example.com"');
  });

  it('transfers a personal app into the team and back to a user', async () => {
    expect((await berth('bob', 'apps:create', 'bobs-app', '--no-remote')).code).toBe(0);
    expect((await berth('bob', 'apps:transfer', 'acme', '-a', 'bobs-app')).code).toBe(0);
    expect((await berth('bob', 'apps:info', '-a', 'bobs-app')).stdout).toMatch(/Team:\s+acme/);
    expect((await berth('ada', 'apps:transfer', 'cy@example.com', '-a', 'bobs-app')).code).toBe(0);
    expect((await berth('cy', 'apps:info', '-a', 'bobs-app')).stdout).toMatch(/Owner:\s+cy@example\.com/);
    expect((await berth('bob', 'apps:info', '-a', 'bobs-app')).code).toBe(1);
  });
});
