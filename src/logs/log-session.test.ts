import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, get, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Clock } from '../platform/clock.js';
import { LogHub } from './log-hub.js';
import { createLogSessionStream } from './log-session.js';
import { LogSessions } from './log-session-registry.js';
import { wantsEventStream, writeLogStreamToResponse } from './log-stream-response.js';

let dir: string;
let hub: LogHub;
let sessions: LogSessions;
let now: number;
let server: Server;
let base: string;
let shutdown: AbortController;
/** Resolves when the server has finished writing each response; shows streams end when clients go. */
let served: Promise<void>[];

const fakeClock: Clock = { now: () => now, sleep: () => Promise.resolve() };

beforeEach(async () => {
  dir = mkdtempSync(join(tmpdir(), 'berth-log-sessions-'));
  now = Date.parse('2026-11-21T22:00:00Z');
  hub = new LogHub({ dir, clock: fakeClock });
  sessions = new LogSessions({ clock: fakeClock, ttlMs: 5 * 60_000 });
  shutdown = new AbortController();
  served = [];
  // What the API will mount at GET /log-sessions/:id, without auth.
  server = createServer((req, res) => {
    const id = /^\/log-sessions\/([^/?]+)$/.exec(req.url ?? '')?.[1];
    const session = id ? sessions.get(id) : undefined;
    if (!session) {
      res.writeHead(404, { 'content-type': 'application/json' }).end(JSON.stringify({ id: 'not_found', message: 'Log session not found.' }));
      return;
    }
    const stream = createLogSessionStream({ hub, ...session, signal: shutdown.signal });
    served.push(writeLogStreamToResponse(stream, res, { sse: wantsEventStream(req.headers), keepAliveMs: 20 }));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterEach(async () => {
  shutdown.abort();
  server.closeAllConnections();
  await new Promise((r) => server.close(r));
  await Promise.allSettled(served);
  await hub.close();
  rmSync(dir, { recursive: true, force: true });
});

function open(path: string, accept = 'text/plain'): Promise<IncomingMessage> {
  return new Promise((resolve, reject) => get(`${base}${path}`, { headers: { accept } }, resolve).on('error', reject));
}

function readAll(res: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    let body = '';
    res.setEncoding('utf8').on('data', (c: string) => (body += c)).on('end', () => resolve(body)).on('error', reject);
  });
}

/** Reads until `done(body)` holds, then returns what was read (the response stays open). */
function readUntil(res: IncomingMessage, done: (body: string) => boolean): Promise<string> {
  return new Promise((resolve, reject) => {
    let body = '';
    const onData = (c: string) => {
      body += c;
      if (done(body)) {
        res.off('data', onData);
        resolve(body);
      }
    };
    res.setEncoding('utf8').on('data', onData).on('end', () => reject(new Error(`ended early: ${body}`)));
  });
}

describe('log sessions over HTTP', () => {
  it('plain text: the last N matching lines, then the response ends when not tailing', async () => {
    for (let i = 1; i <= 5; i++) hub.write('app1', 'app', `web.${i % 2 ? 1 : 2}`, `line ${i}`);
    hub.write('app1', 'router', '', 'at=info path="/"');
    const { id } = sessions.create({ appId: 'app1', lines: 2, tail: false, source: 'app', dyno: 'web.1' });
    const res = await open(`/log-sessions/${id}`);
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toMatch(/^text\/plain/);
    expect(await readAll(res)).toBe(
      '2026-11-21T22:00:00.000000+00:00 app[web.1]: line 3\n2026-11-21T22:00:00.000000+00:00 app[web.1]: line 5\n',
    );
  });

  it('server-sent events when the client accepts text/event-stream', async () => {
    hub.write('app1', 'build', '', 'compiled');
    hub.write('app1', 'berth', 'api', 'Release v2 created');
    const { id } = sessions.create({ appId: 'app1', lines: 100, tail: false });
    const res = await open(`/log-sessions/${id}`, 'text/event-stream');
    expect(res.headers['content-type']).toMatch(/^text\/event-stream/);
    const events = (await readAll(res)).split('\n\n').filter((e) => e && !e.startsWith(':'));
    // Each with its line's seq as the event id, which a reconnecting EventSource sends back.
    expect(events).toEqual([
      'id: 1\ndata: 2026-11-21T22:00:00.000000+00:00 build: compiled',
      'id: 2\ndata: 2026-11-21T22:00:00.000000+00:00 berth[api]: Release v2 created',
    ]);
  });

  it('tail: streams a line written after the recent ones, and stops when the client leaves', async () => {
    hub.write('app1', 'app', 'web.1', 'old');
    const { id } = sessions.create({ appId: 'app1', lines: 10, tail: true });
    const res = await open(`/log-sessions/${id}`);
    await readUntil(res, (b) => b.includes('old\n'));
    const fresh = readUntil(res, (b) => b.includes('fresh\n'));
    hub.write('app1', 'app', 'web.1', 'fresh');
    expect(await fresh).toBe('2026-11-21T22:00:00.000000+00:00 app[web.1]: fresh\n');
    res.destroy();
    await expect(Promise.all(served)).resolves.toBeDefined();
  });

  it('tail over SSE: keep-alive comments while quiet, then the new line as an event', async () => {
    const { id } = sessions.create({ appId: 'app1', lines: 10, tail: true });
    const res = await open(`/log-sessions/${id}`, 'text/event-stream');
    await readUntil(res, (b) => b.includes(': keep-alive\n\n'));
    const fresh = readUntil(res, (b) => b.includes('data: '));
    hub.write('app1', 'router', '', 'at=info status=200');
    expect(await fresh).toMatch(/data: \S+ router: at=info status=200\n\n$/);
    res.destroy();
    await Promise.all(served);
  });

  it('404 for an unknown session id and for an expired one', async () => {
    expect((await open('/log-sessions/nope')).statusCode).toBe(404);
    const { id } = sessions.create({ appId: 'app1', lines: 10, tail: false });
    now += 5 * 60_000;
    const res = await open(`/log-sessions/${id}`);
    expect(res.statusCode).toBe(404);
    expect(JSON.parse(await readAll(res))).toMatchObject({ id: 'not_found' });
  });

  it('issues unguessable, distinct ids', () => {
    const a = sessions.create({ appId: 'app1', lines: 10, tail: false });
    const b = sessions.create({ appId: 'app1', lines: 10, tail: false });
    expect(a.id).not.toBe(b.id);
    expect(a.id).toMatch(/^[A-Za-z0-9_-]{32}$/);
  });
});

describe('createLogSessionStream', () => {
  it('misses no line written between the recent lines and the live tail', async () => {
    hub.write('app1', 'app', 'web.1', 'one');
    const ac = new AbortController();
    const stream = createLogSessionStream({ hub, appId: 'app1', tail: true, lines: 10, signal: ac.signal });
    hub.write('app1', 'app', 'web.1', 'two');
    const got: string[] = [];
    for await (const text of stream) {
      got.push(text.replace(/^\S+ /, ''));
      if (got.length === 2) ac.abort();
    }
    expect(got).toEqual(['app[web.1]: one', 'app[web.1]: two']);
  });

  it('ends a waiting tail at once when returned', async () => {
    const stream = createLogSessionStream({ hub, appId: 'app1', tail: true, lines: 10, signal: new AbortController().signal });
    const waiting = stream.next();
    await stream.return?.();
    expect(await waiting).toEqual({ value: undefined, done: true });
  });
});

describe('createLogSessionStream searching the history', () => {
  const collect = async (stream: AsyncIterable<string>) => { const out: string[] = []; for await (const t of stream) out.push(t); return out; };

  it('finds lines by time window, text, source and dyno, beyond the lines kept in memory', async () => {
    const small = new LogHub({ dir: join(dir, 'small'), clock: fakeClock, linesPerApp: 10 });
    const at = (h: number, m = 0) => new Date(Date.parse('2026-11-21T10:00:00Z') + h * 3_600_000 + m * 60_000).toISOString();
    for (let m = 0; m < 60; m++) small.write('app1', 'app', 'web.1', `eight o'clock ${m}`, at(-2, m));
    small.write('app1', 'router', '', 'at=info path="/" status=500', at(-1, 10));
    small.write('app1', 'app', 'web.2', 'status=500 reported by the app', at(-1, 20));
    small.write('app1', 'router', '', 'at=info path="/" status=200', at(-1, 30));
    for (let m = 0; m < 60; m++) small.write('app1', 'app', 'web.1', `ten o'clock ${m}`, at(0, m));
    const search = (q: Partial<Parameters<typeof createLogSessionStream>[0]>) =>
      collect(createLogSessionStream({ hub: small, appId: 'app1', tail: false, lines: 10_000, signal: new AbortController().signal, ...q }));

    const nineOClock = await search({ since: Date.parse(at(-1)), until: Date.parse(at(-1, 59)) });
    expect(nineOClock.map((l) => l.replace(/^\S+ /, ''))).toEqual([
      'router: at=info path="/" status=500', 'app[web.2]: status=500 reported by the app', 'router: at=info path="/" status=200',
    ]);
    expect(nineOClock[0]).toBe('2026-11-21T09:10:00.000000+00:00 router: at=info path="/" status=500');
    expect(await search({ grep: 'status=500' })).toHaveLength(2);
    expect(await search({ grep: 'status=500', source: 'router' })).toEqual(['2026-11-21T09:10:00.000000+00:00 router: at=info path="/" status=500']);
    expect(await search({ grep: 'status=500', dyno: 'web' })).toEqual(['2026-11-21T09:20:00.000000+00:00 app[web.2]: status=500 reported by the app']);
    expect(await search({ grep: '"/"', until: Date.parse(at(-1, 15)) })).toEqual(['2026-11-21T09:10:00.000000+00:00 router: at=info path="/" status=500']);
    expect(await search({ since: Date.parse(at(-2)), until: Date.parse(at(-2, 59)) })).toHaveLength(60);
    expect(await search({ grep: 'no such text' })).toEqual([]);
    await small.close();
  });

  it('returns the newest N matches and says when it stopped before older ones', async () => {
    for (let i = 1; i <= 50; i++) hub.write('app1', 'app', 'web.1', `line ${i}`);
    const out = await collect(createLogSessionStream({ hub, appId: 'app1', tail: false, lines: 5, grep: 'line', signal: new AbortController().signal }));
    expect(out[0]).toMatch(/berth\[logs\]: Showing the newest 5 matching lines; older ones were not searched/);
    expect(out.slice(1).map((l) => l.replace(/^\S+ /, ''))).toEqual(['line 46', 'line 47', 'line 48', 'line 49', 'line 50'].map((t) => `app[web.1]: ${t}`));
    const all = await collect(createLogSessionStream({ hub, appId: 'app1', tail: false, lines: 50, grep: 'line', signal: new AbortController().signal }));
    expect(all).toHaveLength(50);
    expect(all.join('\n')).not.toContain('Showing the newest');
  });

  it('with tail: prints the history, then follows new lines, none twice and none missed', async () => {
    hub.write('app1', 'app', 'web.1', 'keep: before');
    hub.write('app1', 'app', 'web.1', 'before, not kept');
    const ac = new AbortController();
    const stream = createLogSessionStream({ hub, appId: 'app1', tail: true, lines: 10_000, since: now - 60_000, grep: 'keep', signal: ac.signal });
    hub.write('app1', 'app', 'web.1', 'keep: written as the session opened');
    hub.write('app1', 'app', 'web.1', 'dropped by the grep');
    const got: string[] = [];
    const reading = (async () => {
      for await (const text of stream) {
        got.push(text.replace(/^\S+ /, ''));
        if (got.length === 3) ac.abort();
      }
    })();
    hub.write('app1', 'app', 'web.1', 'keep: live');
    await reading;
    expect(got).toEqual(['app[web.1]: keep: before', 'app[web.1]: keep: written as the session opened', 'app[web.1]: keep: live']);
  });
});
