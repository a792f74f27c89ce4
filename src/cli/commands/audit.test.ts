// berth audit against a real API (real HTTP, real SQLite): the compact table, --json, the filters.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADMIN, startTestApi, type TestApi } from '../../../test/support/test-api.js';
import { runBerth } from '../testing/in-process-cli.js';
import { auditDetails, sinceTime } from './audit.js';

let api: TestApi;
let admin: string;
let ann: string;

const berth = (token: string, ...argv: string[]) => runBerth(argv, { url: api.url, token });

beforeAll(async () => {
  api = await startTestApi();
  admin = await api.login(ADMIN.email, ADMIN.password);
  await api.call('POST', '/users', { token: admin, body: { email: 'ann@example.com', password: 'ann-password' } });
  ann = await api.login('ann@example.com', 'ann-password');
  await api.call('POST', '/apps', { token: ann, body: { name: 'anns-app' } });
  await api.call('PATCH', '/apps/anns-app/config-vars', { token: ann, body: { SECRET: 'hunter2', MODE: 'a' } });
  await api.call('PATCH', '/apps/anns-app/config-vars', { token: ann, body: { SECRET: 'hunter3', MODE: null } });
  await api.call('POST', '/apps', { token: admin, body: { name: 'admins-app' } });
});
afterAll(() => api.close());

describe('berth audit', () => {
  it('prints a compact table, newest first: time, actor, app, action, the keys a config change touched, the address', async () => {
    const r = await berth(ann, 'audit', '-a', 'anns-app');
    expect(r.code).toBe(0);
    const lines = r.stdout.trimEnd().split('\n');
    expect(lines[0]).toMatch(/^ Time \(UTC\)\s+Actor\s+App\s+Action\s+Details\s+From$/);
    const rows = lines.slice(2).map((l) => l.trim().split(/\s{2,}/).slice(1));
    expect(rows).toEqual([
      ['ann@example.com', 'anns-app', 'release-created', 'v2 Set SECRET config vars and Remove MODE config vars', '127.0.0.1'],
      ['ann@example.com', 'anns-app', 'config-changed', '~SECRET -MODE', '127.0.0.1'],
      ['ann@example.com', 'anns-app', 'release-created', 'v1 Set SECRET, MODE config vars', '127.0.0.1'],
      ['ann@example.com', 'anns-app', 'config-changed', '+MODE +SECRET', '127.0.0.1'],
      ['ann@example.com', 'anns-app', 'app-created', 'name=anns-app', '127.0.0.1'],
    ]);
    expect(lines[2]).toMatch(/^ \d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}  /);
    expect(r.stdout).not.toMatch(/hunter/);
  });

  it('--json prints the events as the API gives them, with each token id', async () => {
    const r = await berth(admin, 'audit', '--actor', 'ann@example.com', '--action', 'app-created', '--json');
    const events = JSON.parse(r.stdout) as { app: { name: string }; token: { id: string } | null }[];
    expect(events.map((e) => e.app.name)).toEqual(['anns-app']);
    expect(events[0]!.token?.id).toMatch(/./);
  });

  it('--since takes 2h-style durations or an ISO time; a user sees only their apps; a bad time is one line and exit 1', async () => {
    expect((await berth(admin, 'audit', '--since', '2h', '-a', 'admins-app')).stdout).toContain('app-created');
    expect((await berth(admin, 'audit', '--since', '2999-01-01T00:00:00Z')).stdout).toBe('No audit events match.\n');
    expect((await berth(ann, 'audit')).stdout).not.toContain('admins-app');
    const bad = await berth(admin, 'audit', '--since', 'yesterday');
    expect(bad.code).toBe(1);
    expect(bad.stderr).toContain('since must be an ISO 8601 time');
    expect((await berth(admin, 'audit', '-n', '0')).code).not.toBe(0);
  });
});

describe('audit helpers', () => {
  it("--team shows a team's own changes and its apps', to its admin; --until bounds the time", async () => {
    expect((await api.call('POST', '/teams', { token: ann, body: { name: 'shop' } })).status).toBe(201);
    expect((await api.call('POST', '/apps', { token: ann, body: { name: 'shop-app', team: 'shop' } })).status).toBe(201);
    const team = await berth(ann, 'audit', '--team', 'shop', '--json');
    expect(team.code).toBe(0);
    const events = JSON.parse(team.stdout) as Array<{ action: string; app: { name: string } | null }>;
    expect(events.map((e) => e.action)).toEqual(expect.arrayContaining(['team-created', 'app-created']));
    expect(events.every((e) => e.app === null || e.app.name === 'shop-app')).toBe(true);
    expect((await berth(ann, 'audit', '--team', 'shop', '--until', '2000-01-01T00:00:00Z')).stdout).toBe('No audit events match.\n');
  });

  it('turns a duration into the time that far back, and leaves an ISO time as it is', () => {
    const now = Date.parse('2026-11-30T12:00:00.000Z');
    expect(sinceTime('2h', now)).toBe('2026-11-30T10:00:00.000Z');
    expect(sinceTime('30m', now)).toBe('2026-11-30T11:30:00.000Z');
    expect(sinceTime('7d', now)).toBe('2026-11-23T12:00:00.000Z');
    expect(sinceTime('2026-11-01T00:00:00Z', now)).toBe('2026-11-01T00:00:00Z');
  });

  it('says what a scale changed, before → after, and which config keys an add-on change touched', () => {
    expect(auditDetails({ action: 'formation-changed', data: { updates: [{ type: 'web', quantity: 3 }, { type: 'worker', size: 'performance-m' }], before: { web: 1, worker: 2 } } }))
      .toBe('web 1→3, worker performance-m');
    expect(auditDetails({ action: 'addon-attached', data: { addon: 'postgresql-1', name: 'DATABASE', added: ['DATABASE_URL'] } }))
      .toBe('addon=postgresql-1 name=DATABASE +DATABASE_URL');
  });
});
