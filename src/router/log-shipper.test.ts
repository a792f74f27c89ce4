import { describe, expect, it } from 'vitest';
import type { RouterLogBatch } from '../domain/internal-protocol.js';
import { FakeClock, flush } from '../platform/testing/fake-clock.js';
import { silentLogger, type Logger } from '../platform/logger.js';
import { LogShipper, RejectedBatch } from './log-shipper.js';

/** An API that can be down: deliveries fail until it is up; what it received, in order. */
function fakeApi() {
  const received: RouterLogBatch['lines'] = [];
  const api = {
    up: true,
    rejectNext: false,
    received,
    deliver: async (batch: RouterLogBatch) => {
      if (!api.up) throw new Error('connect ECONNREFUSED');
      if (api.rejectNext) {
        api.rejectNext = false;
        throw new RejectedBatch('the API refused the batch (422)');
      }
      received.push(...batch.lines);
    },
  };
  return api;
}

function startShipper(api: ReturnType<typeof fakeApi>, opts: { maxBuffered?: number; logger?: Logger } = {}) {
  const clock = new FakeClock();
  const shipper = new LogShipper({ deliver: api.deliver, clock, logger: opts.logger ?? silentLogger, maxBuffered: opts.maxBuffered, batchSize: 3, backoff: { initialMs: 1000, maxMs: 8000 } });
  const controller = new AbortController();
  const done = shipper.start(controller.signal);
  return { clock, shipper, stop: async () => { controller.abort(); await done; } };
}

describe('LogShipper (router access-log lines to the API)', () => {
  it('delivers router lines in order, in batches, and nothing else', async () => {
    const api = fakeApi();
    const { shipper, stop } = startShipper(api);
    for (let n = 1; n <= 7; n++) shipper.write('app-1', 'router', '', `line ${n}`);
    shipper.write('app-1', 'app', 'web.1', 'not a router line');
    await flush(); // no waiting for a timer: lines go out as soon as they are written
    expect(api.received.map((l) => l.message)).toEqual(['line 1', 'line 2', 'line 3', 'line 4', 'line 5', 'line 6', 'line 7']);
    await stop();
  });

  it('keeps lines while the API is down (bounded), counts the dropped ones, and tells each app once delivery resumes', async () => {
    const api = fakeApi();
    api.up = false;
    const warnings: Array<{ event: string; fields?: Record<string, unknown> }> = [];
    const logger: Logger = { ...silentLogger, warn: (event, fields) => void warnings.push({ event, fields }) };
    const { clock, shipper, stop } = startShipper(api, { maxBuffered: 4, logger });
    for (let n = 1; n <= 6; n++) shipper.write(n % 2 ? 'app-1' : 'app-2', 'router', '', `line ${n}`);
    await clock.advance(1000 + 2000); // a first attempt and two retries, all failing
    expect(shipper.buffered).toBe(4);
    expect(shipper.dropped).toBe(2);
    expect(api.received).toEqual([]);

    const writtenAt = new Date(clock.now() - 3000).toISOString();
    api.up = true;
    await clock.advance(4000); // the next retry
    expect(api.received.slice(0, 4).map((l) => l.message)).toEqual(['line 1', 'line 2', 'line 3', 'line 4']);
    expect(api.received[0]!.time).toBe(writtenAt); // when the request happened, not when the API got it
    expect(api.received.slice(4).map((l) => [l.appId, l.message.replace(/ since .*/, '')])).toEqual([
      ['app-1', 'Error L10 (output buffer overflow): 1 router log lines dropped'],
      ['app-2', 'Error L10 (output buffer overflow): 1 router log lines dropped'],
    ]);
    expect(warnings.filter((w) => w.event === 'router-log-lines-dropped').map((w) => w.fields?.count)).toEqual([2]);

    shipper.write('app-1', 'router', '', 'after');
    await flush();
    expect(api.received.at(-1)?.message).toBe('after'); // back to normal, no second report
    await stop();
  });

  it('drops (and counts) a batch the API refuses as malformed instead of retrying it forever', async () => {
    const api = fakeApi();
    api.rejectNext = true;
    const { shipper, stop } = startShipper(api);
    for (let n = 1; n <= 4; n++) shipper.write('app-1', 'router', '', `line ${n}`);
    await flush();
    expect(shipper.dropped).toBe(3);
    expect(api.received.map((l) => l.message)).toEqual(['line 4', expect.stringMatching(/^Error L10 .*3 router log lines dropped/)]);
    await stop();
  });
});
