// The webhook sender against a real HTTP receiver on this machine: it POSTs to an address the
// outbound policy allows, and refuses one it does not, whether the URL names the address or a
// name that resolves to it, without ever connecting.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADDRESS_NOT_ALLOWED, OutboundPolicy } from '../platform/outbound-policy.js';
import { httpWebhookSender } from './webhook-sender.js';
import { resolvingToLoopback } from '../platform/testing/loopback-resolver.js';

let server: Server;
let port: number;
const received: string[] = [];

beforeAll(async () => {
  server = createServer((req, res) => {
    received.push(`${req.method} ${req.url}`);
    req.resume().on('end', () => res.end('ok'));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  port = (server.address() as AddressInfo).port;
});
afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

/** `hooks.example.com` resolves to this machine, as a tenant's DNS could make it. */
const toLoopback = resolvingToLoopback('hooks.example.com');

describe('httpWebhookSender', () => {
  it('refuses an address the policy does not allow, written as such or behind a name, and never connects', async () => {
    const sender = httpWebhookSender(OutboundPolicy.fromSetting(undefined, toLoopback));
    expect(await sender.post(`http://127.0.0.1:${port}/direct`, {}, '{}', 5000)).toEqual({ errorClass: ADDRESS_NOT_ALLOWED });
    expect(await sender.post(`http://localhost:${port}/named`, {}, '{}', 5000)).toEqual({ errorClass: ADDRESS_NOT_ALLOWED });
    expect(await sender.post(`http://hooks.example.com:${port}/resolved`, {}, '{}', 5000)).toEqual({ errorClass: ADDRESS_NOT_ALLOWED });
    expect(received).toEqual([]);
  });

  it('delivers to an address the operator allows, through the name it resolves', async () => {
    const sender = httpWebhookSender(OutboundPolicy.fromSetting('127.0.0.1', toLoopback));
    expect(await sender.post(`http://hooks.example.com:${port}/allowed`, {}, '{}', 5000)).toEqual({ code: 200 });
    expect(received).toEqual(['POST /allowed']);
  });
});
