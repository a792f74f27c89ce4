// A log session's content, transport-neutral: the recent lines, then (when tailing) live lines, formatted.
import { formatLogLines } from './log-format.js';
import type { LogFilter, LogReader, LogSource } from './log-sink.js';

/** Heroku's defaults: `heroku logs` shows 100 lines, and at most 1,500 are kept. */
export const DEFAULT_LOG_LINES = 100;

export interface LogSessionStreamOptions {
  hub: LogReader;
  appId: string;
  /** Keep streaming live lines after the recent ones (`logs --tail`). */
  tail: boolean;
  lines: number;
  source?: LogSource;
  dyno?: string;
  /** Ends the stream (server shutdown); returning the iterator does the same (client gone). */
  signal: AbortSignal;
}

/**
 * Yields one formatted text line per item, without a trailing newline. Written by hand rather than
 * as an async generator so that `return()` ends a tail at once, even while it waits for a line;
 * a generator would only notice once the next line arrived, holding a reader on a quiet app.
 */
export function createLogSessionStream(o: LogSessionStreamOptions): AsyncIterableIterator<string> {
  const filter: LogFilter = {};
  if (o.source !== undefined) filter.source = o.source;
  if (o.dyno !== undefined && o.dyno !== '') filter.dyno = o.dyno;
  // Subscribe before reading the recent lines, in the same tick: no line falls between the two.
  const live = o.tail ? o.hub.subscribe(o.appId, filter, o.signal)[Symbol.asyncIterator]() : undefined;
  let pending = o.hub.recent(o.appId, { ...filter, lines: o.lines }).flatMap(formatLogLines);
  let next = 0;
  let finished = false;
  const done = (): IteratorResult<string> => ({ value: undefined, done: true });

  return {
    async next() {
      for (;;) {
        if (finished || o.signal.aborted) return done();
        const text = pending[next];
        if (text !== undefined) {
          next++;
          return { value: text, done: false };
        }
        if (!live) return done();
        const r = await live.next();
        if (r.done) return done();
        pending = formatLogLines(r.value);
        next = 0;
      }
    },
    async return() {
      finished = true;
      await live?.return?.();
      return done();
    },
    [Symbol.asyncIterator]() {
      return this;
    },
  };
}
