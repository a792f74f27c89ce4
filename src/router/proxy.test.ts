import { createHash, randomBytes } from 'node:crypto';
import { Agent, type IncomingHttpHeaders } from 'node:http';
import { connect, createServer as createNetServer, type Socket } from 'node:net';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { createServer } from 'node:http';
import { FakeClock } from '../platform/testing/fake-clock.js';
import { jsonLogger } from '../platform/logger.js';
import { backendAt, blackholedPort, closedPort, route, routerLines, send, startBackend, startRouter, type TestBackend, type TestRouter } from './router-test-kit.js';

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});
const track = <T extends TestBackend | TestRouter>(x: T): T => {
  cleanups.push(() => ('stop' in x ? x.stop() : x.close()));
  return x;
};

/** A backend that answers with its own name and the headers it received. */
async function echoBackend(name: string): Promise<TestBackend> {
  return track(await startBackend((req, res) => {
    res.setHeader('content-type', 'application/json');
    res.end(JSON.stringify({ name, url: req.url, headers: req.headers }));
  }));
}
/** Sends bytes exactly as given (no client library tidies them) and reads until the router closes. */
function rawExchange(port: number, request: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1');
    let received = '';
    socket.on('data', (c: Buffer) => { received += c.toString('latin1'); });
    socket.on('end', () => resolve(received));
    socket.on('error', reject);
    socket.end(request);
  });
}
const json = (body: Buffer) => JSON.parse(body.toString()) as { name: string; url: string; headers: IncomingHttpHeaders };

describe('router: routing', () => {
  it('routes by Host, whatever its case and port suffix', async () => {
    const demo = await echoBackend('demo');
    const other = await echoBackend('other');
    const router = track(await startRouter());
    router.routes.set(route('demo', [backendAt(demo.port)]));
    router.routes.set(route('other', [backendAt(other.port)]));
    for (const host of ['demo.localhost', `DEMO.LOCALHOST:${router.port}`]) {
      const reply = await send(router.port, { host, path: '/hello?x=1' });
      expect(reply.status).toBe(200);
      expect(json(reply.body)).toMatchObject({ name: 'demo', url: '/hello?x=1' });
    }
    expect(json((await send(router.port, { host: 'other.localhost' })).body).name).toBe('other');
  });

  it('answers 404 "No such app" for an unknown host', async () => {
    const router = track(await startRouter());
    const reply = await send(router.port, { host: 'nope.localhost' });
    expect(reply.status).toBe(404);
    expect(reply.body.toString()).toContain('No such app');
  });

  it('spreads requests round-robin over every backend', async () => {
    const backends = [await echoBackend('a'), await echoBackend('b'), await echoBackend('c')];
    const router = track(await startRouter());
    router.routes.set(route('demo', backends.map((b, i) => backendAt(b.port, i + 1))));
    const seen: string[] = [];
    for (let i = 0; i < 6; i++) seen.push(json((await send(router.port, { host: 'demo.localhost' })).body).name);
    expect(seen.filter((n) => n === 'a')).toHaveLength(2);
    expect(seen.filter((n) => n === 'b')).toHaveLength(2);
    expect(seen.filter((n) => n === 'c')).toHaveLength(2);
  });

  it('applies a route change to the very next request', async () => {
    const v1 = await echoBackend('v1');
    const v2 = await echoBackend('v2');
    const router = track(await startRouter());
    router.routes.set(route('demo', [backendAt(v1.port)]));
    expect(json((await send(router.port, { host: 'demo.localhost' })).body).name).toBe('v1');
    router.routes.set(route('demo', [backendAt(v2.port)]));
    expect(json((await send(router.port, { host: 'demo.localhost' })).body).name).toBe('v2');
    router.routes.remove('demo');
    expect((await send(router.port, { host: 'demo.localhost' })).status).toBe(404);
  });

  it('reuses upstream connections across requests (keep-alive)', async () => {
    const backend = await echoBackend('demo');
    const router = track(await startRouter());
    router.routes.set(route('demo', [backendAt(backend.port)]));
    const agent = new Agent({ keepAlive: true, maxSockets: 1 });
    cleanups.push(() => agent.destroy());
    // The client asks for Connection: close each time; that is its hop, not the backend's.
    for (let i = 0; i < 20; i++) expect((await send(router.port, { host: 'demo.localhost', agent, headers: { connection: 'close' } })).status).toBe(200);
    expect(backend.connections).toBeLessThan(20);
    expect(backend.connections).toBeGreaterThan(0);
  });
});

describe('router: headers', () => {
  it('replaces client-sent X-Forwarded-* and sets X-Request-Id, echoed on the response', async () => {
    const backend = await echoBackend('demo');
    const router = track(await startRouter());
    router.routes.set(route('demo', [backendAt(backend.port)]));
    const reply = await send(router.port, {
      host: 'demo.localhost',
      headers: { 'x-forwarded-for': '6.6.6.6', 'x-forwarded-proto': 'https', 'x-forwarded-port': '443', 'x-request-id': 'mine', forwarded: 'for=6.6.6.6' },
    });
    const seen = json(reply.body).headers;
    expect(seen['x-forwarded-for']).toBe('127.0.0.1');
    expect(seen['x-forwarded-proto']).toBe('http');
    expect(seen['x-forwarded-port']).toBe(String(router.port));
    expect(seen['forwarded']).toBeUndefined();
    expect(seen['x-request-id']).toMatch(/^[0-9a-f-]{36}$/);
    expect(reply.headers['x-request-id']).toBe(seen['x-request-id']);
    expect(routerLines(router)[0]).toContain(`request_id=${seen['x-request-id']}`);
  });

  it("gives the app the client's own address, not the router's, in X-Forwarded-For", async () => {
    const backend = await echoBackend('demo');
    const router = track(await startRouter());
    router.routes.set(route('demo', [backendAt(backend.port)]));
    // The router reaches the backend from 127.0.0.1; the client comes from another address.
    const seen = json((await send(router.port, { host: 'demo.localhost', localAddress: '127.0.0.2' })).body).headers;
    expect(seen['x-forwarded-for']).toBe('127.0.0.2');
    expect(routerLines(router)[0]).toContain('fwd="127.0.0.2"');
  });

  it('strips hop-by-hop headers, including those the Connection header names', async () => {
    const backend = track(await startBackend((req, res) => {
      res.setHeader('x-seen', JSON.stringify(req.rawHeaders.filter((_, i) => i % 2 === 0).map((h) => h.toLowerCase())));
      res.setHeader('x-seen-connection', String(req.headers.connection));
      res.setHeader('keep-alive', 'timeout=60');
      res.setHeader('x-private', 'hop');
      res.setHeader('connection', 'keep-alive, x-private');
      res.end('ok');
    }));
    const router = track(await startRouter());
    router.routes.set(route('demo', [backendAt(backend.port)]));
    const reply = await send(router.port, {
      host: 'demo.localhost',
      headers: { connection: 'close, x-secret', 'x-secret': 's', te: 'trailers', 'proxy-authorization': 'Basic x', 'keep-alive': '300', 'x-kept': 'yes' },
    });
    const seen = JSON.parse(String(reply.headers['x-seen'])) as string[];
    expect(seen).toContain('x-kept');
    expect(seen).toContain('host');
    for (const h of ['x-secret', 'te', 'proxy-authorization', 'keep-alive']) expect(seen, h).not.toContain(h);
    // The backend must not see the client's `Connection: close` (it would kill upstream keep-alive).
    expect(reply.headers['x-seen-connection']).not.toMatch(/close|x-secret/);
    await send(router.port, { host: 'demo.localhost', headers: { connection: 'close' } });
    expect(backend.connections).toBe(1);
    expect(reply.headers['x-private']).toBeUndefined();
    expect(reply.headers['keep-alive']).toBeUndefined();
    expect(reply.body.toString()).toBe('ok');
  });

  it('refuses a request with two Host headers with 400 and a log line, and sends nothing upstream', async () => {
    const demo = await echoBackend('demo');
    const other = await echoBackend('other');
    const router = track(await startRouter());
    router.routes.set(route('demo', [backendAt(demo.port)]));
    router.routes.set(route('other', [backendAt(other.port)]));
    for (const second of ['other.localhost', 'demo.localhost']) {
      const reply = await rawExchange(router.port, `GET /secret HTTP/1.1\r\nHost: demo.localhost\r\nHost: ${second}\r\nConnection: close\r\n\r\n`);
      expect(reply).toMatch(/^HTTP\/1\.1 400 /);
      expect(reply).toContain('more than one Host header');
    }
    expect(demo.connections + other.connections).toBe(0);
    const lines = routerLines(router);
    expect(lines).toHaveLength(2);
    expect(lines[0]).toMatch(/^at=error code=H25 .* path="\/secret" host=demo\.localhost .* status=400 /);
    expect(router.lines.every((l) => l.appId === 'id-demo')).toBe(true);
  });

  it('refuses an oversized header block with 431 (H25)', async () => {
    const backend = await echoBackend('demo');
    const router = track(await startRouter({ maxHeaderSize: 8192 }));
    router.routes.set(route('demo', [backendAt(backend.port)]));
    const reply = await send(router.port, { host: 'demo.localhost', headers: { 'x-big': 'a'.repeat(10_000) } });
    expect(reply.status).toBe(431);
    expect(reply.body.toString()).toContain('H25');
    expect(backend.connections).toBe(0);
  });
});

describe('router: bodies', () => {
  it('streams a 20 MB request body up and the echo back down intact', async () => {
    const backend = track(await startBackend((req, res) => {
      res.writeHead(200, { 'content-type': 'application/octet-stream' });
      req.pipe(res);
    }));
    const router = track(await startRouter());
    router.routes.set(route('demo', [backendAt(backend.port)]));
    const body = randomBytes(20 * 1024 * 1024);
    const reply = await send(router.port, { host: 'demo.localhost', method: 'POST', body });
    expect(reply.status).toBe(200);
    expect(reply.body.length).toBe(body.length);
    expect(createHash('sha256').update(reply.body).digest('hex')).toBe(createHash('sha256').update(body).digest('hex'));
    expect(routerLines(router)[0]).toContain(`bytes=${body.length}`);
  });
});

describe('router: Heroku error codes', () => {
  const codeOf = (line: string | undefined) => /code=(H\d\d)/.exec(line ?? '')?.[1];

  it('H14 when the app has no web instances', async () => {
    const router = track(await startRouter());
    router.routes.set(route('demo', []));
    const reply = await send(router.port, { host: 'demo.localhost' });
    expect(reply.status).toBe(503);
    expect(reply.body.toString()).toContain('Application error');
    const line = routerLines(router)[0];
    expect(line).toMatch(/^at=error code=H14 desc="No web processes running" method=GET path="\/" host=demo\.localhost request_id=[0-9a-f-]{36} fwd="127\.0\.0\.1" dyno= connect= service= status=503 bytes=\d+ protocol=http$/);
    expect(router.samples).toEqual([expect.objectContaining({ appId: 'id-demo', status: 503, code: 'H14' })]);
  });

  it('H10 when every web instance has crashed', async () => {
    const router = track(await startRouter());
    router.routes.set(route('demo', [], { crashed: true }));
    expect((await send(router.port, { host: 'demo.localhost' })).status).toBe(503);
    expect(codeOf(routerLines(router)[0])).toBe('H10');
  });

  it('a maintenance page while the app is in maintenance mode', async () => {
    const backend = await echoBackend('demo');
    const router = track(await startRouter());
    router.routes.set(route('demo', [backendAt(backend.port)], { maintenance: true }));
    const reply = await send(router.port, { host: 'demo.localhost' });
    expect(reply.status).toBe(503);
    expect(reply.body.toString()).toContain('maintenance');
    expect(backend.connections).toBe(0);
  });

  it('H12 when the backend never answers', async () => {
    const backend = track(await startBackend(() => {}));
    const router = track(await startRouter({ requestTimeoutMs: 300 }));
    router.routes.set(route('demo', [backendAt(backend.port)]));
    const reply = await send(router.port, { host: 'demo.localhost' });
    expect(reply.status).toBe(503);
    expect(reply.body.toString()).toContain('H12');
    expect(routerLines(router)[0]).toMatch(/^at=error code=H12 desc="Request timeout" .* dyno=web\.1 connect=\d+ms service=\d+ms status=503 /);
  });

  it('H13 when the backend closes the connection without answering', async () => {
    const backend = track(await startBackend((req) => req.socket.destroy()));
    const router = track(await startRouter());
    router.routes.set(route('demo', [backendAt(backend.port)]));
    const reply = await send(router.port, { host: 'demo.localhost' });
    expect(reply.status).toBe(503);
    expect(codeOf(routerLines(router)[0])).toBe('H13');
  });

  it('H18 when the backend closes the connection in the middle of its response', async () => {
    const backend = track(await startBackend((req, res) => {
      res.writeHead(200, { 'content-length': '100' });
      res.write('partial');
      setTimeout(() => req.socket.destroy(), 20);
    }));
    const router = track(await startRouter());
    router.routes.set(route('demo', [backendAt(backend.port)]));
    await expect(send(router.port, { host: 'demo.localhost' })).rejects.toThrow();
    await expect.poll(() => codeOf(routerLines(router)[0])).toBe('H18');
    expect(routerLines(router)[0]).toContain('status=200');
  });

  it('H27 (499) when the client goes away before the answer', async () => {
    const backend = track(await startBackend((_req, res) => setTimeout(() => res.end('late'), 300)));
    const router = track(await startRouter());
    router.routes.set(route('demo', [backendAt(backend.port)]));
    const socket = connect(router.port, '127.0.0.1');
    socket.on('error', () => {});
    socket.write('GET / HTTP/1.1\r\nHost: demo.localhost\r\n\r\n');
    await expect.poll(() => backend.connections).toBe(1);
    socket.destroy();
    await expect.poll(() => routerLines(router)[0]).toMatch(/code=H27 .* status=499 /);
  });

  it('retries on another backend only when the first refused the connection', async () => {
    const alive = await echoBackend('alive');
    const router = track(await startRouter());
    router.routes.set(route('demo', [backendAt(await closedPort(), 1), backendAt(alive.port, 2)]));
    for (let i = 0; i < 6; i++) {
      const reply = await send(router.port, { host: 'demo.localhost', method: 'POST', body: 'x' });
      expect(reply.status).toBe(200);
      expect(json(reply.body).name).toBe('alive');
    }
    expect(routerLines(router).every((l) => l.startsWith('at=info') && l.includes('dyno=web.2'))).toBe(true);
  });

  it('does not retry once the request reached a backend', async () => {
    let hits = 0;
    const closer = track(await startBackend((req) => { hits++; req.socket.destroy(); }));
    const router = track(await startRouter());
    const other = await echoBackend('other');
    router.routes.set(route('demo', [backendAt(closer.port, 1), backendAt(other.port, 2)]));
    const reply = await send(router.port, { host: 'demo.localhost', method: 'POST', body: 'pay' });
    expect(reply.status).toBe(503);
    expect(hits).toBe(1);
    expect(other.connections).toBe(0);
  });

  it('logs a successful request in the router format and reports its metrics', async () => {
    const backend = track(await startBackend((_req, res) => res.end('hello')));
    const router = track(await startRouter());
    router.routes.set(route('demo', [backendAt(backend.port)]));
    await send(router.port, { host: 'demo.localhost', path: '/a/b?c=d' });
    expect(router.lines).toHaveLength(1);
    expect(router.lines[0]).toMatchObject({ appId: 'id-demo', source: 'router', dyno: '' });
    expect(routerLines(router)[0]).toMatch(/^at=info method=GET path="\/a\/b\?c=d" host=demo\.localhost request_id=[0-9a-f-]{36} fwd="127\.0\.0\.1" dyno=web\.1 connect=\d+ms service=\d+ms status=200 bytes=5 protocol=http$/);
    expect(router.samples).toEqual([expect.objectContaining({ appId: 'id-demo', status: 200, bytesOut: 5, concurrent: 1 })]);
    expect(router.samples[0]!.code).toBeUndefined();
  });

  it('reports the bytes each request read from its client, once each over a keep-alive connection', async () => {
    const backend = track(await startBackend((req, res) => { req.resume(); req.on('end', () => res.end('ok')); }));
    const router = track(await startRouter());
    router.routes.set(route('demo', [backendAt(backend.port)]));
    const agent = new Agent({ keepAlive: true, maxSockets: 1 });
    cleanups.push(() => agent.destroy());
    const body = 'x'.repeat(10_000);
    await send(router.port, { host: 'demo.localhost', method: 'POST', body, agent });
    await send(router.port, { host: 'demo.localhost', path: '/small', agent });
    const [post, get] = router.samples;
    // The body, plus a request line and headers (a few dozen bytes, never the body twice).
    expect(post!.bytesIn).toBeGreaterThan(body.length);
    expect(post!.bytesIn).toBeLessThan(body.length + 500);
    expect(get!.bytesIn).toBeGreaterThan(20);
    expect(get!.bytesIn).toBeLessThan(500);
  });

  it('reports how many requests of the app were in flight when each one started', async () => {
    const waiting: Array<() => void> = [];
    const backend = track(await startBackend((_req, res) => void waiting.push(() => res.end('done'))));
    const router = track(await startRouter());
    router.routes.set(route('demo', [backendAt(backend.port)]));
    const replies = [send(router.port, { host: 'demo.localhost' }), send(router.port, { host: 'demo.localhost' }), send(router.port, { host: 'demo.localhost' })];
    await vi.waitFor(() => expect(waiting).toHaveLength(3), { timeout: 5000 });
    for (const release of waiting.splice(0)) release();
    await Promise.all(replies);
    expect(router.samples.map((s) => s.concurrent).sort()).toEqual([1, 2, 3]);
    // All three have ended: the next one is alone again.
    const later = send(router.port, { host: 'demo.localhost' });
    await vi.waitFor(() => expect(waiting).toHaveLength(1), { timeout: 5000 });
    waiting[0]!();
    await later;
    expect(router.samples[3]!.concurrent).toBe(1);
  });
});

describe("router: backends that cannot be reached (a dead node's instances)", () => {
  /** The router's own structured log, to count the connects it gave up on. */
  const recorded = () => {
    const events: { event: string; dyno?: string; error?: string }[] = [];
    return { events, logger: jsonLogger((line) => void events.push(JSON.parse(line))) };
  };
  const unreachable = (events: { event: string }[]) => events.filter((e) => e.event === 'router-backend-unreachable');

  it('answers every request, of any method, from the live backend when another one\'s connect times out', async () => {
    const hole = await blackholedPort();
    cleanups.push(() => hole.close());
    const alive = await echoBackend('alive');
    const { events, logger } = recorded();
    const router = track(await startRouter({ logger, connectTimeoutMs: 300 }));
    router.routes.set(route('demo', [backendAt(hole.port, 1), backendAt(alive.port, 2)]));
    for (const method of ['GET', 'POST', 'PUT', 'DELETE']) {
      const reply = await send(router.port, { host: 'demo.localhost', method, body: method === 'POST' || method === 'PUT' ? 'x' : undefined });
      expect(reply.status).toBe(200);
      expect(json(reply.body).name).toBe('alive');
    }
    expect(routerLines(router).every((l) => l.startsWith('at=info') && l.includes('dyno=web.2'))).toBe(true);
    // It was tried and timed out (not refused): the retry is what saved the request.
    expect(unreachable(events)[0]).toMatchObject({ dyno: 'web.1', error: expect.stringMatching(/timeout/i) });
  });

  it('tries a backend whose connect failed only after the others for a few seconds, then first again in its turn', async () => {
    const clock = new FakeClock();
    const alive = await echoBackend('alive');
    const { events, logger } = recorded();
    const router = track(await startRouter({ logger, clock, unreachableSkipMs: 5_000 }));
    router.routes.set(route('demo', [backendAt(await closedPort(), 1), backendAt(alive.port, 2)]));
    for (let i = 0; i < 6; i++) expect((await send(router.port, { host: 'demo.localhost' })).status).toBe(200);
    // Round robin alone would have tried it on every second request: 3 times.
    expect(unreachable(events)).toHaveLength(1);
    await clock.advance(5_000);
    for (let i = 0; i < 2; i++) expect((await send(router.port, { host: 'demo.localhost' })).status).toBe(200);
    expect(unreachable(events)).toHaveLength(2);
  });

  /**
   * web.1 is a raw TCP backend, so that nothing but the test decides what its connections do: it
   * answers the first request and keeps the connection, then goes silent as a powered-off machine
   * does (no new connection, no answer on the old one). web.2 answers. Returns the router, after
   * one request to each, with `request` written into web.1's dead kept-alive connection.
   */
  async function deadKeptAliveConnection(request: Omit<Parameters<typeof send>[1], 'host'>) {
    let silent = false;
    const held: Socket[] = [];
    const quiet = createNetServer((socket) => {
      socket.on('error', () => {});
      socket.on('data', () => {
        if (silent) held.push(socket);
        else socket.write('HTTP/1.1 200 OK\r\nContent-Length: 5\r\nKeep-Alive: timeout=60\r\n\r\nquiet');
      });
    });
    await new Promise<void>((resolve) => quiet.listen(0, '127.0.0.1', resolve));
    cleanups.push(() => { for (const socket of held) socket.destroy(); quiet.close(); });
    const alive = await echoBackend('alive');
    const router = track(await startRouter({ requestTimeoutMs: 600_000 }));
    router.routes.set(route('demo', [backendAt((quiet.address() as { port: number }).port, 1), backendAt(alive.port, 2)]));
    // Round robin: web.1, web.2. The router keeps its connection to web.1 for the next request.
    expect((await send(router.port, { host: 'demo.localhost' })).body.toString()).toBe('quiet');
    expect((await send(router.port, { host: 'demo.localhost' })).status).toBe(200);
    silent = true;
    quiet.close(); // stops listening at once; its callback waits for the held connection
    const onDeadConnection = send(router.port, { host: 'demo.localhost', ...request });
    await vi.waitFor(() => expect(held).toHaveLength(1));
    expect((await send(router.port, { host: 'demo.localhost' })).status).toBe(200);
    // web.1's next turn needs a new connection, which is refused: web.2 serves that request, and
    // the router drops web.1's connections, the dead one included.
    const retried = await send(router.port, { host: 'demo.localhost' });
    expect([retried.status, json(retried.body).name]).toEqual([200, 'alive']);
    return { router, onDeadConnection };
  }

  it('sends a GET held on a kept-alive connection to a backend that went silent to another backend as soon as a connect to it fails, not to H12', async () => {
    const { router, onDeadConnection } = await deadKeptAliveConnection({});
    const repeated = await onDeadConnection;
    expect([repeated.status, json(repeated.body).name]).toEqual([200, 'alive']);
    expect(routerLines(router).filter((l) => l.includes('code=H13'))).toHaveLength(0);
  });

  it('fails, never repeats, a POST held on a kept-alive connection to a backend that went silent, as soon as a connect to it fails', async () => {
    // The app may already be acting on it (a payment): it is not sent anywhere else.
    const { router, onDeadConnection } = await deadKeptAliveConnection({ method: 'POST', body: 'charge=1' });
    expect((await onDeadConnection).status).toBe(503);
    expect(routerLines(router).filter((l) => l.includes('code=H13'))).toHaveLength(1);
  });

  it('still tries a skipped backend when it is the only one, so it serves again as soon as it listens', async () => {
    const clock = new FakeClock();
    const port = await closedPort();
    const router = track(await startRouter({ clock, unreachableSkipMs: 60_000 }));
    router.routes.set(route('demo', [backendAt(port, 1)]));
    const refused = await send(router.port, { host: 'demo.localhost' });
    expect(refused.status).toBe(503);
    expect(routerLines(router)[0]).toContain('code=H19');
    const server = createServer((_req, res) => res.end('back'));
    await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
    cleanups.push(() => new Promise<void>((resolve) => { server.closeAllConnections(); server.close(() => resolve()); }));
    const reply = await send(router.port, { host: 'demo.localhost' });
    expect(reply.status).toBe(200);
    expect(reply.body.toString()).toBe('back');
  });
});
