import { createServer, type Server } from 'node:http';
import { connect, createServer as createTcpServer } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { WebSocket, WebSocketServer } from 'ws';
import { backendAt, closedPort, route, routerLines, startRouter, type TestRouter } from './router-test-kit.js';

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

/** A websocket echo server that also reports the upgrade request's headers in its first message. */
async function echoServer(): Promise<{ port: number }> {
  const server: Server = createServer();
  const wss = new WebSocketServer({ server });
  wss.on('connection', (socket, req) => {
    socket.send(JSON.stringify({ headers: req.headers, url: req.url }));
    socket.on('message', (data, isBinary) => socket.send(data, { binary: isBinary }));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  cleanups.push(() => new Promise<void>((resolve) => { for (const c of wss.clients) c.terminate(); wss.close(); server.close(() => resolve()); }));
  const address = server.address();
  return { port: typeof address === 'object' && address ? address.port : 0 };
}

async function started(options = {}): Promise<TestRouter> {
  const router = await startRouter(options);
  cleanups.push(() => router.stop());
  return router;
}

function open(port: number, host: string, path = '/'): Promise<{ ws: WebSocket; first: Record<string, unknown> }> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(`ws://127.0.0.1:${port}${path}`, { headers: { host, 'x-forwarded-for': '6.6.6.6' } });
    ws.on('error', () => {}); // terminate() during cleanup reports an unfinished handshake as an error
    cleanups.push(() => ws.terminate());
    ws.once('message', (data) => resolve({ ws, first: JSON.parse(String(data)) as Record<string, unknown> }));
    ws.once('unexpected-response', (_req, res) => reject(new Error(`status ${res.statusCode}`)));
    ws.once('error', reject);
  });
}

const next = (ws: WebSocket): Promise<string> => new Promise((resolve) => ws.once('message', (d) => resolve(String(d))));

describe('router: websockets', () => {
  it('tunnels a websocket to the app and echoes messages both ways', async () => {
    const backend = await echoServer();
    const router = await started();
    router.routes.set(route('demo', [backendAt(backend.port)]));
    const { ws, first } = await open(router.port, 'demo.localhost', '/socket?x=1');
    expect(first.url).toBe('/socket?x=1');
    const headers = first.headers as Record<string, string>;
    expect(headers['x-forwarded-for']).toBe('127.0.0.1');
    expect(headers['x-request-id']).toMatch(/^[0-9a-f-]{36}$/);
    for (const text of ['hello', 'x'.repeat(200_000)]) {
      const reply = next(ws);
      ws.send(text);
      expect(await reply).toBe(text);
    }
    expect(routerLines(router)[0]).toMatch(/^at=info method=GET path="\/socket\?x=1" host=demo\.localhost .* dyno=web\.1 .* status=101 /);
  });

  it('moves on to a live backend when the first refuses the connection', async () => {
    const backend = await echoServer();
    const router = await started();
    router.routes.set(route('demo', [backendAt(await closedPort(), 1), backendAt(backend.port, 2)]));
    for (let i = 0; i < 2; i++) await open(router.port, 'demo.localhost');
    expect(routerLines(router).every((l) => l.includes('dyno=web.2') && l.includes('status=101'))).toBe(true);
  });

  it('refuses an upgrade with two Host headers with 400 and a log line, before any backend', async () => {
    const backend = await echoServer();
    const router = await started();
    router.routes.set(route('demo', [backendAt(backend.port)]));
    const reply = await new Promise<string>((resolve, reject) => {
      const socket = connect(router.port, '127.0.0.1');
      let text = '';
      socket.on('data', (c: Buffer) => { text += c.toString('latin1'); });
      socket.on('end', () => resolve(text));
      socket.on('error', reject);
      socket.write('GET / HTTP/1.1\r\nHost: demo.localhost\r\nHost: other.localhost\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n' +
        'Sec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n');
    });
    expect(reply).toMatch(/^HTTP\/1\.1 400 /);
    expect(reply).toContain('more than one Host header');
    expect(routerLines(router)).toEqual([expect.stringMatching(/^at=error code=H25 .* status=400 /)]);
  });

  it('answers an upgrade for an app without instances with H14', async () => {
    const router = await started();
    router.routes.set(route('demo', []));
    await expect(open(router.port, 'demo.localhost')).rejects.toThrow('status 503');
    await expect(open(router.port, 'nope.localhost')).rejects.toThrow('status 404');
    expect(routerLines(router)).toEqual([expect.stringMatching(/^at=error code=H14 /)]);
  });

  it('answers H12 when the app accepts the connection but never answers the handshake', async () => {
    // resume(): a socket nobody reads never notices the router hanging up, and close() would wait forever.
    const sockets = new Set<import('node:net').Socket>();
    const silent = createTcpServer((socket) => {
      sockets.add(socket);
      socket.resume();
    });
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    // Destroy what is still open, so close() cannot wait on a connection the router kept.
    cleanups.push(() => new Promise<void>((resolve) => {
      for (const s of sockets) s.destroy();
      silent.close(() => resolve());
    }));
    const address = silent.address();
    const router = await started({ requestTimeoutMs: 200 });
    router.routes.set(route('demo', [backendAt(typeof address === 'object' && address ? address.port : 0)]));
    await expect(open(router.port, 'demo.localhost')).rejects.toThrow('status 503');
    expect(routerLines(router)).toEqual([expect.stringMatching(/^at=error code=H12 .* dyno=web\.1 .* status=503 /)]);
  });
});
