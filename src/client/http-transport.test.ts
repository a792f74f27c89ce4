import { describe, expect, it } from 'vitest';
import { ApiError, ConnectionError } from './api-error.js';
import { BerthClient } from './berth-client.js';

type Seen = { url: string; method: string; headers: Record<string, string>; body?: string };

/** A fetch that answers from a list of canned responses and records each request. */
function fakeFetch(responses: Array<{ status: number; body?: unknown; headers?: Record<string, string> }>) {
  const seen: Seen[] = [];
  const fn = (async (url: string, init: RequestInit) => {
    seen.push({ url, method: init.method ?? 'GET', headers: init.headers as Record<string, string>, body: init.body as string | undefined });
    const r = responses.shift();
    if (!r) throw new Error('unexpected request');
    const text = r.body === undefined ? '' : typeof r.body === 'string' ? r.body : JSON.stringify(r.body);
    return new Response(text, { status: r.status, headers: { 'content-type': 'application/json', ...r.headers } });
  }) as unknown as typeof fetch;
  return { fn, seen };
}

describe('BerthClient over HTTP', () => {
  it('sends the Heroku Accept header and the bearer token, and encodes app names in paths', async () => {
    const f = fakeFetch([{ status: 200, body: { id: '1', name: 'demo' } }]);
    await new BerthClient({ baseUrl: 'http://api.test/', token: 'tok', fetch: f.fn }).getApp('de mo');
    expect(f.seen[0]!.url).toBe('http://api.test/apps/de%20mo');
    expect(f.seen[0]!.headers.Accept).toBe('application/vnd.heroku+json; version=3');
    expect(f.seen[0]!.headers.Authorization).toBe('Bearer tok');
  });

  it('logs in with HTTP Basic auth, not the bearer token', async () => {
    const f = fakeFetch([{ status: 201, body: { id: 'a', access_token: { token: 't' } } }]);
    await new BerthClient({ baseUrl: 'http://api.test', token: 'old', fetch: f.fn }).createAuthorization('me@x.io', 'p:w', 'cli');
    expect(f.seen[0]!.headers.Authorization).toBe(`Basic ${Buffer.from('me@x.io:p:w').toString('base64')}`);
    expect(JSON.parse(f.seen[0]!.body!)).toEqual({ description: 'cli' });
  });

  it('follows Next-Range across 206 pages until the last page', async () => {
    const f = fakeFetch([
      { status: 206, body: [{ name: 'a' }], headers: { 'Next-Range': ']a..; max=1' } },
      { status: 200, body: [{ name: 'b' }] },
    ]);
    const apps = await new BerthClient({ baseUrl: 'http://api.test', token: 't', fetch: f.fn }).listApps();
    expect(apps.map((a) => a.name)).toEqual(['a', 'b']);
    expect(f.seen[1]!.headers.Range).toBe(']a..; max=1');
  });

  it('asks for the newest releases first with one Range request', async () => {
    const f = fakeFetch([{ status: 206, body: [{ version: 3 }, { version: 2 }], headers: { 'Next-Range': ']2..' } }]);
    const list = await new BerthClient({ baseUrl: 'http://api.test', token: 't', fetch: f.fn }).listReleases('demo', { max: 2 });
    expect(list.map((r) => r.version)).toEqual([3, 2]);
    expect(f.seen).toHaveLength(1);
    expect(f.seen[0]!.headers.Range).toBe('version ..; max=2, order=desc');
  });

  it('turns a Heroku error body into an ApiError with id, message and resource', async () => {
    const f = fakeFetch([{ status: 404, body: { id: 'not_found', message: "Couldn't find that app.", resource: 'app' } }]);
    const err = await new BerthClient({ baseUrl: 'http://api.test', token: 't', fetch: f.fn }).getApp('nope').catch((e) => e);
    expect(err).toBeInstanceOf(ApiError);
    expect(err).toMatchObject({ status: 404, id: 'not_found', message: "Couldn't find that app.", resource: 'app' });
  });

  it('reports a non-JSON error body by its first line', async () => {
    const f = fakeFetch([{ status: 502, body: 'Bad Gateway\n<html>' }]);
    const err = await new BerthClient({ baseUrl: 'http://api.test', token: 't', fetch: f.fn }).account().catch((e) => e);
    expect(err).toMatchObject({ status: 502, message: 'Bad Gateway' });
  });

  it('reports an unreachable server as a ConnectionError naming the URL', async () => {
    const err = await new BerthClient({ baseUrl: 'http://127.0.0.1:1', token: 't' }).health().catch((e) => e);
    expect(err).toBeInstanceOf(ConnectionError);
    expect(err.message).toContain('http://127.0.0.1:1');
  });
});
