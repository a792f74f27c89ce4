// One live tail reader: a bounded queue that drops lines (and says so) rather than stall writers or grow.
import { matchesFilter } from './log-filter.js';
import type { LogFilter, LogLine } from './log-sink.js';

/**
 * Backpressure policy: writers never wait for readers. Once `maxQueue` lines are waiting, newer
 * lines are dropped and counted; the reader then gets one marker line, Heroku's L10 error, in
 * their place, followed by lines written after it caught up. Memory per reader is thus bounded
 * by `maxQueue` + 1 lines whatever the write rate.
 */
export class LogSubscription implements AsyncIterableIterator<LogLine> {
  private queue: LogLine[] = [];
  private dropped = 0;
  private firstDropped: LogLine | undefined;
  private lastDropped: LogLine | undefined;
  private waiter: ((r: IteratorResult<LogLine>) => void) | undefined;
  private ended = false;
  private readonly onAbort = () => this.end();

  constructor(
    private readonly appId: string,
    private readonly filter: LogFilter,
    private readonly maxQueue: number,
    private readonly signal: AbortSignal,
    private readonly onEnd: (s: LogSubscription) => void,
  ) {
    if (signal.aborted) this.end();
    else signal.addEventListener('abort', this.onAbort, { once: true });
  }

  /** Called by the hub for every line of the app, synchronously; never blocks. */
  offer(line: LogLine): void {
    if (this.ended || !matchesFilter(line, this.filter)) return;
    if (this.waiter) {
      // A waiting reader has an empty queue and nothing dropped: hand the line straight over.
      const w = this.waiter;
      this.waiter = undefined;
      w({ value: line, done: false });
      return;
    }
    if (this.queue.length >= this.maxQueue) {
      this.dropped++;
      this.firstDropped ??= line;
      this.lastDropped = line;
      return;
    }
    if (this.dropped > 0) this.queue.push(this.takeMarker());
    this.queue.push(line);
  }

  next(): Promise<IteratorResult<LogLine>> {
    const line = this.queue.shift();
    if (line) return Promise.resolve({ value: line, done: false });
    if (this.dropped > 0) return Promise.resolve({ value: this.takeMarker(), done: false });
    if (this.ended) return Promise.resolve({ value: undefined, done: true });
    return new Promise((resolve) => (this.waiter = resolve));
  }

  return(): Promise<IteratorResult<LogLine>> {
    this.end();
    return Promise.resolve({ value: undefined, done: true });
  }

  [Symbol.asyncIterator](): this {
    return this;
  }

  /** Stops the subscription at once: whoever stopped it wants no more lines, queued ones included. */
  end(): void {
    if (this.ended) return;
    this.ended = true;
    this.queue = [];
    this.dropped = 0;
    this.signal.removeEventListener('abort', this.onAbort);
    this.onEnd(this);
    const w = this.waiter;
    this.waiter = undefined;
    w?.({ value: undefined, done: true });
  }

  private takeMarker(): LogLine {
    const first = this.firstDropped as LogLine;
    const last = this.lastDropped as LogLine;
    const marker: LogLine = {
      seq: last.seq,
      time: last.time,
      appId: this.appId,
      source: 'berth',
      dyno: 'logs',
      message: `Error L10 (output buffer overflow): ${this.dropped} messages dropped since ${first.time}.`,
    };
    this.dropped = 0;
    this.firstDropped = undefined;
    this.lastDropped = undefined;
    return marker;
  }
}
