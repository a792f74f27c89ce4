// One attempt of an app.json healthcheck against a real HTTP server on loopback: a 2xx answer passes,
// `content` must be in the body, anything else fails with a reason a user can act on.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { Healthcheck } from '../domain/healthchecks.js';
import { healthcheckProbe } from './healthcheck-probe.js';
import { tcpProbe } from './port-probe.js';

let server: Server;
let address: { host: string; port: number };
const probe = healthcheckProbe(tcpProbe);

beforeAll(async () => {
  server = createServer((req, res) => {
    if (req.url === '/health') return void res.end('{"status":"ok","db":"connected"}');
    if (req.url === '/broken') {
      res.statusCode = 503;
      return void res.end('down');
    }
    if (req.url === '/hang') return; // never answers
    res.statusCode = 404;
    res.end();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  address = { host: '127.0.0.1', port: (server.address() as AddressInfo).port };
});
afterAll(async () => {
  server.closeAllConnections();
  await new Promise((r) => server.close(r));
});

const check = (c: Partial<Healthcheck>): Healthcheck => ({
  type: 'startup', name: 'x', kind: 'path', path: '/health', attempts: 3, timeout: 5, wait: 5, initialDelay: 0, ...c,
});

it('passes a content check whose text is in the body', async () => {
  expect(await probe(address, check({ content: '"db":"connected"' }))).toEqual({ ok: true });
});

it('fails a content check whose text is not in the body, though the answer is 200', async () => {
  expect(await probe(address, check({ content: 'ready' }))).toEqual({ ok: false, problem: 'GET /health answered 200 without "ready" in its body' });
});

it('fails on an answer that is not 2xx, and on one that does not come within the timeout', async () => {
  expect(await probe(address, check({ path: '/broken' }))).toEqual({ ok: false, problem: 'GET /broken answered 503, not 2xx' });
  expect(await probe(address, check({ path: '/hang', timeout: 1 }))).toEqual({ ok: false, problem: 'GET /hang got no answer within 1 s' });
});

it('fails when nothing listens, and a listening check says whether something does', async () => {
  const closed = await new Promise<number>((resolve) => {
    const s = createServer().listen(0, '127.0.0.1', () => {
      const port = (s.address() as AddressInfo).port;
      s.close(() => resolve(port));
    });
  });
  expect(await probe({ host: '127.0.0.1', port: closed }, check({}))).toEqual({ ok: false, problem: 'GET /health failed: ECONNREFUSED' });
  expect(await probe(address, check({ kind: 'listening', path: undefined }))).toEqual({ ok: true });
  expect(await probe({ host: '127.0.0.1', port: closed }, check({ kind: 'listening', path: undefined }))).toEqual({ ok: false, problem: 'nothing accepts connections on $PORT' });
});
