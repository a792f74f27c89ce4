// A log session's content, transport-neutral: recent lines or a history search, then (when tailing) live lines, formatted.
import { formatLogLines } from './log-format.js';
import type { HistoryPage, LogFilter, LogHistoryReader, LogLine, LogReader, LogSource } from './log-sink.js';

/** Heroku's defaults: `heroku logs` shows 100 lines, and at most 1,500 are kept in memory. */
export const DEFAULT_LOG_LINES = 100;

export interface LogSessionStreamOptions {
  hub: LogReader & LogHistoryReader;
  appId: string;
  /** Keep streaming live lines after the recent ones (`logs --tail`). */
  tail: boolean;
  lines: number;
  source?: LogSource;
  dyno?: string;
  /** Any of these makes the session a search of the history on disk instead of the recent lines. */
  since?: number;
  until?: number;
  grep?: string;
  /**
   * Only lines after this one (their seq): a client reconnecting to the same session says the last
   * line it got (SSE `Last-Event-ID`), and gets what it missed instead of the recent lines again.
   */
  afterSeq?: number;
  /** Ends the stream (server shutdown); returning the iterator does the same (client gone). */
  signal: AbortSignal;
}

/** The session's text lines, each from a stored line whose seq is `seq` once it has been yielded. */
export interface LogSessionStream extends AsyncIterableIterator<string> {
  /** The seq of the line the last text came from (an SSE event id); undefined before the first. */
  readonly seq: number | undefined;
}

/** Whether the session searches the history (`--since`, `--until`, `--grep`) rather than the recent lines. */
export const searchesHistory = (o: Pick<LogSessionStreamOptions, 'since' | 'until' | 'grep'>): boolean =>
  o.since !== undefined || o.until !== undefined || o.grep !== undefined;

/**
 * Yields one formatted text line per item, without a trailing newline. Written by hand rather than
 * as an async generator so that `return()` ends a tail at once, even while it waits for a line;
 * a generator would only notice once the next line arrived, holding a reader on a quiet app.
 */
export function createLogSessionStream(o: LogSessionStreamOptions): LogSessionStream {
  const filter: LogFilter = {};
  if (o.source !== undefined) filter.source = o.source;
  if (o.dyno !== undefined && o.dyno !== '') filter.dyno = o.dyno;
  // Subscribe before reading the recent lines, in the same tick: no line falls between the two.
  const live = o.tail ? o.hub.subscribe(o.appId, filter, o.signal)[Symbol.asyncIterator]() : undefined;
  const history = searchesHistory(o);
  // A search reads the disk later: it stops at the last line written before the tail began, which
  // the tail delivers from then on, so no line is printed twice.
  const throughSeq = history ? o.hub.lastSeq(o.appId) : 0;
  const unseen = (line: LogLine) => o.afterSeq === undefined || line.seq > o.afterSeq;
  const texts = (lines: readonly LogLine[]): Array<{ text: string; seq: number }> =>
    lines.filter(unseen).flatMap((line) => formatLogLines(line).map((text) => ({ text, seq: line.seq })));
  let pending = history ? [] : texts(o.hub.recent(o.appId, { ...filter, lines: o.lines }));
  let searched = !history;
  let next = 0;
  let finished = false;
  let seq: number | undefined;
  const done = (): IteratorResult<string> => ({ value: undefined, done: true });
  const wantedLive = (line: LogLine) => o.grep === undefined || line.source === 'berth' && line.dyno === 'logs' || line.message.includes(o.grep);

  return {
    async next() {
      for (;;) {
        if (finished || o.signal.aborted) return done();
        if (!searched) {
          searched = true;
          const page = await o.hub.search(o.appId, { ...filter, since: o.since, until: o.until, grep: o.grep, lines: o.lines, throughSeq });
          pending = texts(presentPage(o.appId, page));
          next = 0;
        }
        const item = pending[next];
        if (item !== undefined) {
          next++;
          seq = item.seq;
          return { value: item.text, done: false };
        }
        if (!live) return done();
        const r = await live.next();
        if (r.done) return done();
        pending = wantedLive(r.value) ? texts([r.value]) : [];
        next = 0;
      }
    },
    get seq() {
      return seq;
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

/** The page's lines, after a `berth[logs]` line saying so when older matches were left out. */
function presentPage(appId: string, page: HistoryPage): LogLine[] {
  const lines = page.lines;
  const first = page.lines[0];
  if (!page.stoppedEarly || !first) return lines;
  const notice: LogLine = {
    seq: first.seq, time: first.time, appId, source: 'berth', dyno: 'logs',
    message: `Showing the newest ${page.lines.length} matching lines; older ones were not searched. Narrow the window with --since/--until or --grep to see them.`,
  };
  return [notice, ...lines];
}
