// POST /apps/{app}/log-sessions over real HTTP: Heroku's fields as before, and the history search
// fields (since, until, grep) with their checks.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADMIN, startTestApi, type TestApi } from '../../test/support/test-api.js';
import { LogHub } from '../logs/log-hub.js';
import { LogSessions } from '../logs/log-session-registry.js';
import { logRoutes } from './routes/log-routes.js';

let api: TestApi;
let token: string;
let hub: LogHub;
let dir: string;
const stop = new AbortController();
const T0 = Date.parse('2026-11-30T00:00:00Z');

/** Creates a session with `body` and reads what its logplex URL streams, one string per line. */
async function session(body: Record<string, unknown>): Promise<string[]> {
  const created = await api.call('POST', '/apps/hist/log-sessions', { token, body });
  expect(created.status).toBe(201);
  const read = await api.call('GET', new URL(created.body.logplex_url).pathname);
  return String(read.body ?? '').split('\n').filter((l) => l !== '');
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'berth-log-api-'));
  hub = new LogHub({ dir });
  api = await startTestApi([logRoutes({ hub, sessions: new LogSessions(), signal: stop.signal })]);
  token = await api.login(ADMIN.email, ADMIN.password);
  const app = await api.call('POST', '/apps', { token, body: { name: 'hist' } });
  // 3,000 lines, one a second from T0: twice what is kept in memory.
  for (let i = 0; i < 3000; i++) hub.write(app.body.id, i % 2 ? 'router' : 'app', i % 2 ? '' : 'web.1', `line ${i}${i % 100 === 0 ? ' status=500' : ''}`, new Date(T0 + i * 1000).toISOString());
});
afterAll(async () => {
  stop.abort();
  await api.close();
  await hub.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('log sessions', () => {
  it("SSE: each event carries its line's seq as id, and a client reconnecting with Last-Event-ID gets only the lines after it", async () => {
    const created = await api.call('POST', '/apps/hist/log-sessions', { token, body: { lines: 5, tail: false } });
    const url = new URL(created.body.logplex_url).pathname;
    const events = async (headers: Record<string, string>) => {
      const read = await api.call('GET', url, { headers: { Accept: 'text/event-stream', ...headers } });
      return String(read.body).split('\n\n').filter((e) => e.startsWith('id: ')).map((e) => {
        const [id, data] = e.split('\n') as [string, string];
        return { id: Number(id.slice('id: '.length)), line: data.slice('data: '.length).replace(/^\S+ /, '') };
      });
    };
    const first = await events({});
    expect(first.map((e) => e.line)).toEqual(['router: line 2995', 'app[web.1]: line 2996', 'router: line 2997', 'app[web.1]: line 2998', 'router: line 2999']);
    expect(first.map((e) => e.id)).toEqual([...first.map((e) => e.id)].sort((a, b) => a - b));
    // The connection dropped after the third event: the same session, resumed, sends the last two only.
    const resumed = await events({ 'Last-Event-ID': String(first[2]!.id) });
    expect(resumed).toEqual(first.slice(3));
    // A Last-Event-ID that is not a seq is a fresh start, as if none were sent.
    expect(await events({ 'Last-Event-ID': 'x' })).toEqual(first);
  });

  it('keeps Heroku\'s fields as they were: lines are capped at the 1,500 kept in memory', async () => {
    const lines = await session({ lines: 2000, tail: false });
    expect(lines).toHaveLength(1500);
    expect(lines.at(-1)).toMatch(/ router: line 2999$/);
    expect(await session({ lines: 2, source: 'app', dyno: 'web' })).toEqual([
      '2026-11-30T00:49:56.000000+00:00 app[web.1]: line 2996', '2026-11-30T00:49:58.000000+00:00 app[web.1]: line 2998',
    ]);
  });

  it('searches the history beyond them by window, text, source and dyno', async () => {
    const window = await session({ since: '2026-11-30T00:00:10Z', until: '2026-11-30T00:00:12Z' });
    expect(window).toEqual([
      '2026-11-30T00:00:10.000000+00:00 app[web.1]: line 10', '2026-11-30T00:00:11.000000+00:00 router: line 11', '2026-11-30T00:00:12.000000+00:00 app[web.1]: line 12',
    ]);
    const errors = await session({ grep: 'status=500', source: 'app', dyno: 'web.1' });
    expect(errors).toHaveLength(30);
    expect(errors[0]).toBe('2026-11-30T00:00:00.000000+00:00 app[web.1]: line 0 status=500');
    const all = await session({ since: '2026-11-30T00:00:00Z', lines: 2500 });
    expect(all).toHaveLength(2501);
    expect(all[0]).toMatch(/berth\[logs\]: Showing the newest 2500 matching lines/);
    expect(all[1]).toMatch(/: line 500 status=500$/);
  });

  it('refuses a malformed search with 422 naming the field', async () => {
    const refused = async (body: Record<string, unknown>) => {
      const res = await api.call('POST', '/apps/hist/log-sessions', { token, body });
      expect(res.status).toBe(422);
      return res.body.message as string;
    };
    expect(await refused({ since: '2h' })).toMatch(/^since must be an ISO 8601 time/);
    expect(await refused({ until: '2026-11-30T25:00:00Z' })).toMatch(/^until must be an ISO 8601 time/);
    expect(await refused({ since: '2026-11-30T02:00:00Z', until: '2026-11-30T01:00:00Z' })).toMatch(/since must not be after until/);
    expect(await refused({ since: '2026-11-30T02:00:00Z', until: '2026-11-30T03:00:00Z', tail: true })).toMatch(/until cannot be used with tail/);
    expect(await refused({ grep: '' })).toMatch(/^grep must be text/);
    expect(await refused({ grep: 42 })).toMatch(/^grep must be text/);
  });
});
