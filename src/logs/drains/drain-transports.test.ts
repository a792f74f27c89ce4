// Both drain transports (syslog over TCP, HTTPS) as drainTransports makes them: a drain whose
// host is, or resolves to, an address the outbound policy does not allow is never connected to;
// one the operator allows is delivered to. Real listeners on this machine.
import { createServer as createHttpServer, type Server as HttpServer } from 'node:http';
import { createServer, type AddressInfo, type Server } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseDrainUrl } from '../../domain/log-drains.js';
import { systemClock } from '../../platform/clock.js';
import { ADDRESS_NOT_ALLOWED, OutboundPolicy } from '../../platform/outbound-policy.js';
import { drainTransports } from './drain-transports.js';
import { resolvingToLoopback } from '../../platform/testing/loopback-resolver.js';

let tcp: Server;
let tcpPort: number;
let connections = 0;
const lines: string[] = [];

beforeAll(async () => {
  tcp = createServer((socket) => {
    connections++;
    socket.setEncoding('utf8').on('data', (chunk: string) => lines.push(chunk));
  });
  await new Promise<void>((resolve) => tcp.listen(0, '127.0.0.1', resolve));
  tcpPort = (tcp.address() as AddressInfo).port;
});
afterAll(() => new Promise<void>((resolve) => tcp.close(() => resolve())));

/** `logs.example.com` resolves to this machine, as a tenant's DNS could make it. */
const toLoopback = resolvingToLoopback('logs.example.com');

const transport = (url: string, allow?: string) =>
  drainTransports({ clock: systemClock, outbound: OutboundPolicy.fromSetting(allow, toLoopback) })(parseDrainUrl(url), 'd.test');

describe('drain transports and the outbound policy', () => {
  it('never connects a syslog drain to a refused address, named or resolved', async () => {
    for (const url of [`syslog://127.0.0.1:${tcpPort}`, `syslog://logs.example.com:${tcpPort}`]) {
      const t = transport(url);
      await expect(t.send(['<14>1 - - - - - - refused'], AbortSignal.timeout(5000)), url).rejects.toMatchObject({ code: ADDRESS_NOT_ALLOWED });
      t.close();
    }
    expect(connections).toBe(0);
  });

  it('delivers a syslog drain the operator allows, through the name it resolves', async () => {
    const t = transport(`syslog://logs.example.com:${tcpPort}`, '127.0.0.0/8');
    await t.send(['<14>1 - - - - - - allowed'], AbortSignal.timeout(5000));
    for (let i = 0; i < 200 && !lines.join('').includes('allowed'); i++) await new Promise((r) => setTimeout(r, 10));
    expect(lines.join('')).toContain('allowed');
    t.close();
  });

  it('never sends an HTTPS drain to a refused address', async () => {
    let posts = 0;
    const http: HttpServer = createHttpServer((_req, res) => { posts++; res.end(); });
    await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve));
    try {
      const port = (http.address() as AddressInfo).port;
      for (const url of [`https://127.0.0.1:${port}/logs`, `https://logs.example.com:${port}/logs`]) {
        const t = transport(url);
        await expect(t.send(['<14>1 - - - - - - refused'], AbortSignal.timeout(5000)), url).rejects.toMatchObject({ code: ADDRESS_NOT_ALLOWED });
        t.close();
      }
      expect(posts).toBe(0);
    } finally {
      await new Promise<void>((resolve) => http.close(() => resolve()));
    }
  });
});
