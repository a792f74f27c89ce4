// The router's byte meter (RouterMinutes, delivered by the LogShipper): bytes sent per app per minute,
// sent once their minute is over, kept while the API is down, and sent again under the same id when
// an answer was lost.
import { describe, expect, it } from 'vitest';
import type { RouterLogBatch, RouterMinuteReport } from '../domain/internal-protocol.js';
import { silentLogger } from '../platform/logger.js';
import { FakeClock, flush } from '../platform/testing/fake-clock.js';
import { LogShipper } from './log-shipper.js';
import { RouterMinutes } from './router-minutes.js';

function world() {
  const clock = new FakeClock(Date.parse('2026-11-30T10:00:10Z'));
  const sent: RouterMinuteReport[] = [];
  const api = { up: true, loseAnswer: false };
  const deliver = async (batch: RouterLogBatch) => {
    if (!api.up) throw new Error('connect ECONNREFUSED');
    sent.push(...(batch.minutes ?? []));
    if (api.loseAnswer) {
      api.loseAnswer = false;
      throw new Error('socket hang up'); // the API recorded it, but the router never heard so
    }
  };
  const minutes = new RouterMinutes(clock);
  const shipper = new LogShipper({ deliver, clock, logger: silentLogger, minutes, backoff: { initialMs: 1000, maxMs: 1000 } });
  const controller = new AbortController();
  const done = shipper.start(controller.signal);
  const request = (appId: string, bytes: number) => {
    minutes.onRequest({ appId, status: 200, durationMs: 1, bytesIn: 10, bytesOut: bytes, concurrent: 1 });
    shipper.write(appId, 'router', '', `at=info bytes=${bytes}`);
  };
  return { clock, sent, api, request, stop: async () => { controller.abort(); await done; } };
}

/** Distinct counts by id (the API ignores an id it has), as `app minute bytes`. */
const recorded = (sent: RouterMinuteReport[]) => [...new Map(sent.map((c) => [c.id, c])).values()]
  .map((c) => `${c.appId} ${new Date(c.minute).toISOString().slice(11, 16)} ${c.bytesOut}`);

describe('router bytes', () => {
  it('adds up bytes per app per minute and sends each minute once it is over, even with no request after it', async () => {
    const w = world();
    w.request('a', 100);
    w.request('a', 50);
    w.request('b', 7);
    await flush();
    expect(w.sent).toEqual([]); // 10:00 is not over yet
    await w.clock.advance(50_000); // 10:01:00
    expect(recorded(w.sent)).toEqual(['a 10:00 150', 'b 10:00 7']);
    w.request('a', 1);
    await w.clock.advance(60_000);
    expect(recorded(w.sent)).toEqual(['a 10:00 150', 'b 10:00 7', 'a 10:01 1']);
    await w.stop();
  });

  it('keeps counts while the API is down, and re-sends a count whose answer was lost under the same id', async () => {
    const w = world();
    w.api.up = false;
    w.request('a', 100);
    await w.clock.advance(120_000);
    w.request('a', 20); // 10:02
    expect(w.sent).toEqual([]);
    w.api.up = true;
    w.api.loseAnswer = true;
    await w.clock.advance(60_000);
    expect(w.sent.length).toBeGreaterThan(recorded(w.sent).length); // sent twice…
    expect(recorded(w.sent)).toEqual(['a 10:00 100', 'a 10:02 20']); // …counted once
    await w.stop();
  });

  it('sends the running minute too when the router stops', async () => {
    const w = world();
    w.request('a', 42);
    await flush();
    await w.stop();
    expect(recorded(w.sent)).toEqual(['a 10:00 42']);
  });
});
