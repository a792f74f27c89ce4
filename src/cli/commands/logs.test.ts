// berth logs: the history flags are checked before anything is sent.
import { describe, expect, it } from 'vitest';
import { runBerth } from '../testing/in-process-cli.js';

// Nothing listens here: each case must stop at the flag check.
const berth = (...argv: string[]) => runBerth(argv, { url: 'http://127.0.0.1:9', token: 't' });

describe('berth logs history flags', () => {
  it('refuses a time that is neither a duration nor ISO 8601, naming the flag', async () => {
    const r = await berth('logs', '--since', 'yesterday', '-a', 'demo');
    expect(r.code).not.toBe(0);
    expect(r.stderr).toMatch(/--since must be a duration ago \(90s, 15m, 2h, 7d\) or an ISO 8601 time, got yesterday/);
    expect((await berth('logs', '--until', '2h ago', '-a', 'demo')).stderr).toMatch(/--until must be a duration ago/);
  });

  it('refuses --until with --tail, and an empty --grep', async () => {
    expect((await berth('logs', '--since', '1h', '--until', '30m', '-t', '-a', 'demo')).stderr).toMatch(/--until cannot be used with --tail/);
    expect((await berth('logs', '--grep', '', '-a', 'demo')).stderr).toMatch(/--grep needs some text/);
  });
});

describe('berth logs search request', () => {
  const respond = (url: string) =>
    url.endsWith('/log-sessions')
      ? new Response(JSON.stringify({ logplex_url: 'http://127.0.0.1:9/log-sessions/abc' }), { status: 201, headers: { 'content-type': 'application/json' } })
      : new Response('2026-11-30T05:00:00.000000+00:00 router: at=info status=500\n', { status: 200, headers: { 'content-type': 'text/plain' } });
  const sent = (requests: string[]) => JSON.parse(requests[0]!.replace(/^POST \S+ /, '')) as Record<string, unknown>;

  it('sends the window as ISO 8601 times and no line count unless -n is given', async () => {
    const before = Date.now();
    const r = await runBerth(['logs', '--since', '2h', '--until', '2026-11-30T06:00:00+01:00', '--grep', 'status=500', '-s', 'router', '-a', 'demo'], { url: 'http://127.0.0.1:9', token: 't', respond });
    expect(r.code).toBe(0);
    expect(r.stdout).toBe('2026-11-30T05:00:00.000000+00:00 router: at=info status=500\n');
    const body = sent(r.requests);
    expect(body).toEqual({ tail: false, source: 'router', since: expect.any(String), until: '2026-11-30T05:00:00.000Z', grep: 'status=500' });
    const since = Date.parse(body.since as string);
    expect(since).toBeGreaterThanOrEqual(before - 2 * 3_600_000 - 1000);
    expect(since).toBeLessThanOrEqual(Date.now() - 2 * 3_600_000);
    const counted = await runBerth(['logs', '--grep', 'x', '-n', '20', '-a', 'demo'], { url: 'http://127.0.0.1:9', token: 't', respond });
    expect(sent(counted.requests)).toEqual({ lines: 20, tail: false, grep: 'x' });
  });
});
