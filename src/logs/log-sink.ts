// Where every part of the platform writes log lines for an app's one ordered stream, and how they are read back.

/** Heroku's sources: `app` (with dyno `web.1`), `router`, `build`, `berth` (with dyno `api`). */
export type LogSource = 'app' | 'router' | 'build' | 'berth';

export const LOG_SOURCES: readonly LogSource[] = ['app', 'router', 'build', 'berth'];

export interface LogLine {
  /** Monotonic per-app sequence number; orders lines that share a timestamp. */
  seq: number;
  time: string;
  appId: string;
  source: LogSource;
  /** `web.1` for app lines, `api` for berth lines, empty for router and build. */
  dyno: string;
  /** One text line: writers may pass several lines, the hub stores them one per LogLine. */
  message: string;
}

export interface LogSink {
  /**
   * `time` (ISO 8601) is when the line happened, if not now: router lines reach the hub from the
   * router process a moment (or, after an API outage, minutes) later and keep their own time.
   */
  write(appId: string, source: LogSource, dyno: string, message: string, time?: string): void;
}

/** Heroku's `logs` filters: `--source app`, `--dyno web.1` (exact) or `--dyno web` (every `web.N`). */
export interface LogFilter {
  source?: LogSource;
  dyno?: string;
}

export interface RecentQuery extends LogFilter {
  /** How many of the newest matching lines; clamped to what is kept (1,500 per app). */
  lines: number;
}

/** The read side of the log stream: what `logs` and `logs --tail` need. */
export interface LogReader {
  /** The newest `lines` matching lines, oldest first. */
  recent(appId: string, query: RecentQuery): LogLine[];
  /**
   * Live lines written after this call, in order, until `signal` aborts or the iterator is returned.
   * A reader that falls behind gets a marker line in place of the lines it missed, never a stalled writer.
   */
  subscribe(appId: string, filter: LogFilter, signal: AbortSignal): AsyncIterable<LogLine>;
}

/** A search of an app's log history (`logs --since 2h --until 1h --grep TEXT`). */
export interface HistoryQuery extends LogFilter {
  /** Inclusive bounds, epoch ms. */
  since?: number;
  until?: number;
  /** Only lines whose message contains this text, exactly (case and all). */
  grep?: string;
  /** The newest this many matching lines; at most HISTORY_LINES_MAX. */
  lines: number;
  /** Only lines up to this sequence number: what a tail started just before will not repeat. */
  throughSeq?: number;
}

export interface HistoryPage {
  /** Oldest first. */
  lines: LogLine[];
  /** Older lines in the window may match but were not read: the search stopped at `lines`. */
  stoppedEarly: boolean;
}

/** What one search returns at most, however wide its window: memory stays bounded. */
export const HISTORY_LINES_MAX = 10_000;

/** The on-disk history behind the live stream. */
export interface LogHistoryReader {
  search(appId: string, query: HistoryQuery): Promise<HistoryPage>;
  /** The sequence number of the app's newest line so far (0 for none). */
  lastSeq(appId: string): number;
}
