// A drain's delivery on its own: a stalled or failing drain never holds up the app's stream, keeps at
// most its buffer, retries on the clock's backoff, and reports what it dropped as one L10 line.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { FakeClock, flush } from '../../platform/testing/fake-clock.js';
import { silentLogger } from '../../platform/logger.js';
import { LogHub } from '../log-hub.js';
import { DrainDelivery } from './drain-delivery.js';
import type { DrainTransport } from './drain-transport.js';

/** A drain that is down until `up` is set, recording what it was sent. */
class ScriptedDrain implements DrainTransport {
  up = false;
  attempts = 0;
  received: string[] = [];
  async send(messages: readonly string[]): Promise<void> {
    this.attempts++;
    if (!this.up) throw new Error('connection refused');
    this.received.push(...messages);
  }
  close(): void {}
}

let dir: string;
let clock: FakeClock;
let hub: LogHub;
let stop: AbortController;

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'berth-drain-unit-'));
  clock = new FakeClock();
  hub = new LogHub({ dir, clock });
  stop = new AbortController();
});
afterEach(async () => {
  stop.abort();
  await hub.close();
  rmSync(dir, { recursive: true, force: true });
});

function deliver(transport: DrainTransport) {
  const delivery = new DrainDelivery({
    appId: 'app1', appName: () => 'shop', token: 'd.t', transport, stream: hub, appLog: hub, clock, logger: silentLogger,
    maxBuffered: 5, batchSize: 2, backoff: { initialMs: 1000, maxMs: 4000 },
  });
  const done = delivery.start(stop.signal);
  return { delivery, done };
}

const texts = (msgs: string[]) => msgs.map((m) => m.slice(m.lastIndexOf(' - ') + 3));

describe('DrainDelivery', () => {
  it('keeps at most its buffer while the drain is down, retries on the backoff, then sends in order and reports the rest as L10', async () => {
    const drain = new ScriptedDrain();
    const { delivery } = deliver(drain);
    for (let i = 1; i <= 8; i++) hub.write('app1', 'app', 'web.1', `line ${i}`);
    await flush();
    expect(delivery.stats).toEqual({ buffered: 5, sent: 0, dropped: 3 });
    expect(drain.attempts).toBe(1);
    await clock.advance(999);
    expect(drain.attempts).toBe(1);
    await clock.advance(1);
    expect(drain.attempts).toBe(2); // 1 s after the first failure; the next waits 2 s
    drain.up = true;
    await clock.advance(2000);
    await flush();
    expect(texts(drain.received)).toEqual([
      'line 1', 'line 2', 'line 3', 'line 4', 'line 5',
      'Error L10 (output buffer overflow): 3 messages dropped since 2024-01-01T00:00:00.000Z (drain d.t).',
    ]);
    expect(drain.received.at(-1)).toMatch(/^<190>1 \S+ d\.t shop logplex berth - /);
    expect(hub.recent('app1', { lines: 10, source: 'berth' }).map((l) => l.message)).toEqual([texts(drain.received).at(-1)]);
  });

  it('never makes the app\'s writers wait: a drain that never answers leaves writes instant and the buffer bounded', async () => {
    const stalled: DrainTransport = { send: () => new Promise(() => undefined), close: () => undefined };
    const { delivery } = deliver(stalled);
    for (let i = 0; i < 10_000; i++) hub.write('app1', 'app', 'web.1', `line ${i}`);
    expect(delivery.stats.buffered).toBe(5);
    expect(delivery.stats.dropped).toBe(9_995);
    expect(hub.recent('app1', { lines: 1 })[0]!.message).toBe('line 9999');
  });

  it("tells the app's log, once, why Berth will not send to a drain whose address it may not reach", async () => {
    let attempts = 0;
    const refused: DrainTransport = {
      send: async () => {
        attempts++;
        throw Object.assign(new Error('logs.example.com resolves to 10.0.0.5, a private address: Berth sends webhooks and log drains only to public addresses, and to those the operator allows with BERTH_OUTBOUND_ALLOW'), { code: 'EADDRNOTALLOWED' });
      },
      close: () => undefined,
    };
    deliver(refused);
    hub.write('app1', 'app', 'web.1', 'one');
    await flush();
    await clock.advance(1000);
    await clock.advance(2000);
    expect(attempts).toBeGreaterThanOrEqual(2);
    expect(hub.recent('app1', { lines: 10, source: 'berth' }).map((l) => `${l.dyno}: ${l.message}`)).toEqual([
      'logplex: Drain d.t refused: logs.example.com resolves to 10.0.0.5, a private address: Berth sends webhooks and log drains only to public addresses, and to those the operator allows with BERTH_OUTBOUND_ALLOW.',
    ]);
  });

  it('stops when the app is destroyed (its stream forgotten)', async () => {
    const drain = new ScriptedDrain();
    drain.up = true;
    const { done } = deliver(drain);
    hub.write('app1', 'app', 'web.1', 'before');
    await flush();
    await hub.forgetApp('app1');
    await done;
    hub.write('app1', 'app', 'web.1', 'after');
    expect(texts(drain.received)).toEqual(['before']);
  });
});
