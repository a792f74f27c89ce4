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
