// berth webhooks:add, webhooks, webhooks:deliveries, run in-process against canned API answers:
// Heroku's flags become Heroku's request body, the secret shown once comes from the response header.
import { describe, expect, it } from 'vitest';
import { json, runBerth } from '../testing/in-process-cli.js';

const cli = (argv: string[], respond: (url: string, init: RequestInit) => Response) => runBerth(argv, { url: 'http://api.test', token: 'tok', respond });
const HOOK = { id: 'w1', app: { id: 'a1', name: 'demo' }, url: 'https://ci.example.com/hooks', include: ['api:release', 'dyno'], level: 'sync', created_at: 't', updated_at: 't' };

describe('berth webhooks', () => {
  it('webhooks:add sends url, include list and level, and prints the signing secret from the answer', async () => {
    const r = await cli(['webhooks:add', '-a', 'demo', '-u', HOOK.url, '-i', 'api:release, dyno', '-l', 'sync', '-t', 'Bearer x'], () =>
      new Response(JSON.stringify(HOOK), { status: 201, headers: { 'content-type': 'application/json', 'heroku-webhook-secret': 'abc123' } }));
    expect(r.code).toBe(0);
    expect(r.requests).toEqual([`POST http://api.test/apps/demo/webhooks {"url":"${HOOK.url}","include":["api:release","dyno"],"level":"sync","authorization":"Bearer x"}`]);
    expect(r.stdout).toMatch(/Webhooks Signing Secret[\s\S]*abc123/);
  });

  it('webhooks:add without a level is a usage error and sends nothing', async () => {
    const r = await cli(['webhooks:add', '-a', 'demo', '-u', HOOK.url, '-i', 'dyno'], () => json(201, HOOK));
    expect(r.code).not.toBe(0);
    expect(r.requests).toEqual([]);
    expect(r.stderr).toContain('--level');
  });

  it('lists webhooks, and the delivery log oldest first with attempts, last code and next attempt', async () => {
    expect((await cli(['webhooks', '-a', 'demo'], () => json(200, [HOOK]))).stdout).toMatch(/w1\s+https:\/\/ci\.example\.com\/hooks\s+api:release,dyno\s+sync/);
    const delivery = (id: string, over: Record<string, unknown>) => ({
      id, event: { id: 'e1', include: 'api:release' }, webhook: { id: 'w1', level: 'sync' }, status: 'succeeded', num_attempts: 1, next_attempt_at: null,
      last_attempt: { id: 'x', code: 200, error_class: null, status: 'succeeded', created_at: 't' }, created_at: 't', ...over,
    });
    const newestFirst = [delivery('d2', { status: 'retrying', num_attempts: 1, next_attempt_at: '2026-11-30T07:00:05Z', last_attempt: { id: 'y', code: 500, error_class: null, status: 'failed', created_at: 't' } }), delivery('d1', {})];
    const r = await cli(['webhooks:deliveries', '-a', 'demo', '--status', 'retrying'], () => json(200, newestFirst));
    expect(r.requests).toEqual(['GET http://api.test/apps/demo/webhook-deliveries?eq[status]=retrying']);
    expect(r.stdout.indexOf('d1')).toBeLessThan(r.stdout.indexOf('d2'));
    expect(r.stdout).toMatch(/d2\s+t\s+retrying\s+api:release\s+sync\s+1\s+500\s+2026-11-30T07:00:05Z/);
  });
});
