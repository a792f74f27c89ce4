// Router access-log lines on their way to the API's log hub, which owns each app's log stream.
// write() only appends to a bounded buffer, so a request never waits on the control plane; a
// loop delivers what is buffered at once (POST /internal/router-logs; lines written while one
// delivery is in flight make up the next batch) and retries with backoff while the API is down. Lines that do not fit are dropped and counted, and each app is told once delivery resumes
// (as Heroku's Logplex does with L10). The router's per-app minutes (RouterMinutes: request counts,
// latency, bytes: the meter's router usage) travel with the lines once their minute is over.
import { INTERNAL_TOKEN_HEADER, type RouterLogBatch } from '../domain/internal-protocol.js';
import type { LogSink, LogSource } from '../logs/log-sink.js';
import { isoNow, type Clock } from '../platform/clock.js';
import type { Logger } from '../platform/logger.js';
import { RetryBackoff } from '../platform/retry-backoff.js';
import { MINUTE_MS, type RouterMinutes } from './router-minutes.js';

/** A batch the API refused as malformed: retrying cannot help, so it is dropped (and counted). */
export class RejectedBatch extends Error {}

export type DeliverBatch = (batch: RouterLogBatch, signal: AbortSignal) => Promise<void>;

export interface LogShipperOptions {
  deliver: DeliverBatch;
  clock: Clock;
  logger: Logger;
  /** The router's per-app minutes, delivered with the lines; absent: lines only. */
  minutes?: RouterMinutes;
  /** Lines kept while the API is unreachable; more are dropped. Default 10,000. */
  maxBuffered?: number;
  /** Lines per POST. Default 500. */
  batchSize?: number;
  /** Delays between failed deliveries. Default 250 ms doubling up to 2 s. */
  backoff?: { initialMs: number; maxMs: number };
}

type Line = RouterLogBatch['lines'][number];

/** Minute reports per POST, well under what the API takes in one batch. */
const MINUTES_PER_BATCH = 1000;

export class LogShipper implements LogSink {
  private buffer: Line[] = [];
  private readonly drops = new Map<string, { count: number; since: string }>();
  private droppedTotal = 0;
  /** Minute reports RouterMinutes had to drop, as far as they were logged. */
  private minutesDroppedReported = 0;
  /** Set while the delivery loop waits for lines. */
  private wake: (() => void) | undefined;

  constructor(private readonly o: LogShipperOptions) {}

  /** Only router lines travel this way; the API writes every other source itself. */
  write(appId: string, source: LogSource, _dyno: string, message: string): void {
    if (source !== 'router') return;
    if (this.buffer.length >= (this.o.maxBuffered ?? 10_000)) return this.drop(appId, 1);
    this.buffer.push({ appId, message, time: isoNow(this.o.clock) });
    this.wake?.();
  }

  /** Lines dropped since the start (buffer full, or refused by the API). */
  get dropped(): number {
    return this.droppedTotal;
  }

  get buffered(): number {
    return this.buffer.length;
  }

  /** Delivers until `signal` aborts, then tries once more to hand over what is left. */
  async start(signal: AbortSignal): Promise<void> {
    const backoff = new RetryBackoff(this.o.backoff ?? { initialMs: 250, maxMs: 2_000 });
    const stopWaiting = () => this.wake?.();
    signal.addEventListener('abort', stopWaiting, { once: true });
    while (!signal.aborted) {
      if (this.buffer.length === 0 && (this.o.minutes?.due(false).length ?? 0) === 0) {
        await this.idle();
        continue;
      }
      if (await this.deliverAll(signal)) backoff.reset();
      else await this.o.clock.sleep(backoff.next(), signal).catch(() => undefined);
    }
    signal.removeEventListener('abort', stopWaiting);
    await this.deliverAll(AbortSignal.timeout(2_000), true).catch(() => undefined);
  }

  /** Waits for a line, or while a minute is counted, for its end. */
  private async idle(): Promise<void> {
    const timer = new AbortController();
    const line = new Promise<void>((resolve) => (this.wake = resolve));
    const waits = [line];
    if (this.o.minutes?.counting) {
      const now = this.o.clock.now();
      waits.push(this.o.clock.sleep(MINUTE_MS - (now % MINUTE_MS), timer.signal).catch(() => undefined));
    }
    await Promise.race(waits);
    timer.abort();
    this.wake = undefined;
  }

  /**
   * Sends every buffered line, batch by batch, with the minutes that are over (`allMinutes`: every
   * running one too); false when the API could not take them (retry later).
   */
  async deliverAll(signal: AbortSignal, allMinutes = false): Promise<boolean> {
    const size = this.o.batchSize ?? 500;
    for (;;) {
      const batch = this.buffer.slice(0, size);
      const minutes = (this.o.minutes?.due(allMinutes) ?? []).slice(0, MINUTES_PER_BATCH);
      if (batch.length === 0 && minutes.length === 0) return true;
      try {
        await this.o.deliver(minutes.length > 0 ? { lines: batch, minutes } : { lines: batch }, signal);
      } catch (e) {
        if (!(e instanceof RejectedBatch)) {
          this.o.logger.warn('router-log-delivery-failed', { error: (e as Error).message, buffered: this.buffer.length });
          return false;
        }
        this.o.logger.error('router-log-batch-rejected', { error: e.message, lines: batch.length, minutes: minutes.length });
        for (const l of batch) this.drop(l.appId, 1);
      }
      this.o.minutes?.delivered(minutes);
      this.buffer.splice(0, batch.length);
      this.reportDrops();
    }
  }

  private drop(appId: string, n: number): void {
    this.droppedTotal += n;
    const d = this.drops.get(appId);
    if (d) d.count += n;
    else this.drops.set(appId, { count: n, since: isoNow(this.o.clock) });
  }

  /** After a delivery got through: one line per app that lost lines, then the counts start afresh. */
  private reportDrops(): void {
    const minutesDropped = this.o.minutes?.dropped ?? 0;
    if (minutesDropped > this.minutesDroppedReported) {
      // The operator's to know: these requests are missing from metrics and from the router bytes billed.
      this.o.logger.error('router-minutes-dropped', { count: minutesDropped - this.minutesDroppedReported, droppedSinceStart: minutesDropped });
      this.minutesDroppedReported = minutesDropped;
    }
    if (this.drops.size === 0) return;
    const total = [...this.drops.values()].reduce((sum, d) => sum + d.count, 0);
    this.o.logger.warn('router-log-lines-dropped', { count: total, apps: this.drops.size, droppedSinceStart: this.droppedTotal });
    // Ahead of the bound on purpose: at most one line per app, and it says what the gap is.
    for (const [appId, d] of this.drops) {
      this.buffer.push({ appId, time: isoNow(this.o.clock), message: `Error L10 (output buffer overflow): ${d.count} router log lines dropped since ${d.since} while the API was unreachable` });
    }
    this.drops.clear();
  }
}

/** The HTTP delivery: POST /internal/router-logs with the internal token. */
export function httpLogDelivery(apiUrl: string, token: string): DeliverBatch {
  const url = new URL('/internal/router-logs', apiUrl);
  return async (batch, signal) => {
    const res = await fetch(url, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', [INTERNAL_TOKEN_HEADER]: token },
      body: JSON.stringify(batch),
      signal: AbortSignal.any([signal, AbortSignal.timeout(10_000)]),
    });
    await res.arrayBuffer().catch(() => undefined);
    if (res.status === 204 || res.status === 200) return;
    if (res.status === 400 || res.status === 413 || res.status === 422) throw new RejectedBatch(`the API refused the batch (${res.status})`);
    throw new Error(`the API answered ${res.status}`);
  };
}
