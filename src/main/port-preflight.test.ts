import { createServer, type Server } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { busyPortMessage } from './port-preflight.js';

let taken: Server;
let busy: number;

beforeAll(async () => {
  taken = createServer();
  await new Promise<void>((r) => taken.listen(0, '127.0.0.1', () => r()));
  busy = (taken.address() as { port: number }).port;
});
afterAll(() => new Promise<void>((r) => taken.close(() => r())));

describe('the port check before a server starts', () => {
  it('names the taken port, what needs it and the setting that moves it', async () => {
    const msg = await busyPortMessage([
      { port: 0, host: '127.0.0.1', what: 'the API', setting: 'BERTH_API_PORT' },
      { port: busy, host: '127.0.0.1', what: 'the router', setting: 'BERTH_ROUTER_PORT' },
    ]);
    expect(msg).toBe(`berth: port ${busy} (the router, on 127.0.0.1) is already in use; set BERTH_ROUTER_PORT to a free port, or stop what uses it.`);
  });

  it('says nothing when the ports are free, and leaves them free', async () => {
    const free = createServer();
    await new Promise<void>((r) => free.listen(0, '127.0.0.1', () => r()));
    const port = (free.address() as { port: number }).port;
    await new Promise<void>((r) => free.close(() => r()));
    expect(await busyPortMessage([{ port, host: '127.0.0.1', what: 'the API', setting: 'BERTH_API_PORT' }])).toBeUndefined();
    const again = createServer();
    await new Promise<void>((resolve, reject) => again.once('error', reject).listen(port, '127.0.0.1', () => resolve()));
    await new Promise<void>((r) => again.close(() => r()));
  });
});
