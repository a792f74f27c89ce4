// One drain's delivery: every line of the app's stream, in order, into a bounded buffer that a loop
// sends batch by batch, retrying with backoff. The app's writers never wait for it.
import type { Clock } from '../../platform/clock.js';
import { isoNow } from '../../platform/clock.js';
import type { Logger } from '../../platform/logger.js';
import { ADDRESS_NOT_ALLOWED } from '../../platform/outbound-policy.js';
import { RetryBackoff } from '../../platform/retry-backoff.js';
import type { LineFollower } from '../log-hub.js';
import type { LogLine, LogSink } from '../log-sink.js';
import type { DrainTransport } from './drain-transport.js';
import { syslogMessage } from './syslog-frame.js';

/** Where a delivery reads the app's stream: the LogHub. */
export interface FollowedStream {
  follow(appId: string, follower: LineFollower, signal: AbortSignal): void;
}

export interface DrainDeliveryOptions {
  appId: string;
  /** Read at each batch: a renamed app's next lines carry its new name. */
  appName: () => string;
  token: string;
  transport: DrainTransport;
  stream: FollowedStream;
  /** Where the L10 line goes: the app's own stream, so `logs`, tails and every drain see it. */
  appLog: LogSink;
  clock: Clock;
  logger: Logger;
  /** Lines kept while the drain is down or slow; more are dropped and counted. Default 10,000. */
  maxBuffered?: number;
  /** Lines per write or POST. Default 500. */
  batchSize?: number;
  /** Delays between failed sends. Default 250 ms doubling up to 5 s. */
  backoff?: { initialMs: number; maxMs: number };
}

export const L10_DYNO = 'logplex';

/**
 * Drop policy: once `maxBuffered` lines wait, newer ones are dropped and counted (the waiting
 * ones stay in order). After the next send gets through, one line, Heroku's L10 error, goes into
 * the app's stream saying how many and since when; it then reaches this drain like any other line.
 */
export class DrainDelivery implements LineFollower {
  private buffer: LogLine[] = [];
  private dropped = 0;
  private droppedSince: string | undefined;
  private wake: (() => void) | undefined;
  private ended = false;
  private failing = false;
  private sentTotal = 0;
  private droppedTotal = 0;

  constructor(private readonly o: DrainDeliveryOptions) {}

  private get batchSize(): number {
    return this.o.batchSize ?? 500;
  }

  /** Called by the hub for each line, synchronously: a push or a count, nothing else. */
  offer(line: LogLine): void {
    if (this.ended) return;
    if (this.buffer.length >= (this.o.maxBuffered ?? 10_000)) {
      this.dropped++;
      this.droppedTotal++;
      this.droppedSince ??= isoNow(this.o.clock);
      return;
    }
    this.buffer.push(line);
    this.wake?.();
  }

  /** The app's stream ended (the app was destroyed): nothing more to deliver. */
  end(): void {
    this.ended = true;
    this.buffer = [];
    this.wake?.();
  }

  get stats(): { buffered: number; sent: number; dropped: number } {
    return { buffered: this.buffer.length, sent: this.sentTotal, dropped: this.droppedTotal };
  }

  /** Delivers until `signal` aborts or the app's stream ends; then one last try at what is buffered. */
  async start(signal: AbortSignal): Promise<void> {
    this.o.stream.follow(this.o.appId, this, signal);
    const backoff = new RetryBackoff(this.o.backoff ?? { initialMs: 250, maxMs: 5_000 });
    const stopWaiting = () => this.wake?.();
    signal.addEventListener('abort', stopWaiting, { once: true });
    try {
      while (!signal.aborted && !this.ended) {
        if (this.buffer.length === 0) {
          await new Promise<void>((resolve) => (this.wake = resolve));
          this.wake = undefined;
          continue;
        }
        const linger = this.o.transport.lingerMs ?? 0;
        if (linger > 0 && this.buffer.length < this.batchSize) await this.o.clock.sleep(linger, signal).catch(() => undefined);
        if (await this.sendBatch(signal)) backoff.reset();
        else await this.o.clock.sleep(backoff.next(), signal).catch(() => undefined);
      }
      // A server stopping hands over what it holds if the drain takes it at once; a removed drain does not.
      if (!this.ended && this.buffer.length > 0) await this.sendBatch(AbortSignal.timeout(2_000));
    } finally {
      signal.removeEventListener('abort', stopWaiting);
      this.o.transport.close();
    }
  }

  private async sendBatch(signal: AbortSignal): Promise<boolean> {
    const batch = this.buffer.slice(0, this.batchSize);
    const header = { appName: this.o.appName(), token: this.o.token };
    try {
      await this.o.transport.send(batch.map((l) => syslogMessage(l, header)), signal);
    } catch (e) {
      if (!this.failing && !signal.aborted) {
        this.o.logger.warn('log-drain-failing', { app: header.appName, drain: this.o.token, error: (e as Error).message, buffered: this.buffer.length });
        // The tenant chose the URL, so the tenant hears why Berth will not send there (once per failing run).
        if ((e as NodeJS.ErrnoException).code === ADDRESS_NOT_ALLOWED) this.o.appLog.write(this.o.appId, 'berth', L10_DYNO, `Drain ${this.o.token} refused: ${(e as Error).message}.`);
      }
      this.failing = true;
      return false;
    }
    if (this.failing) this.o.logger.info('log-drain-recovered', { app: header.appName, drain: this.o.token });
    this.failing = false;
    this.buffer.splice(0, batch.length);
    this.sentTotal += batch.length;
    this.reportDrops();
    return true;
  }

  private reportDrops(): void {
    if (this.dropped === 0) return;
    const message = `Error L10 (output buffer overflow): ${this.dropped} messages dropped since ${this.droppedSince} (drain ${this.o.token}).`;
    this.dropped = 0;
    this.droppedSince = undefined;
    this.o.appLog.write(this.o.appId, 'berth', L10_DYNO, message);
  }
}
