// The log hub: each app's one ordered stream, its last lines in memory and on disk, and live tails.
import { mkdirSync } from 'node:fs';
import { readdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { BerthError } from '../domain/errors.js';
import { isoNow, systemClock, type Clock } from '../platform/clock.js';
import { silentLogger, type Logger } from '../platform/logger.js';
import { AppLogFile, loadLogFile } from './app-log-file.js';
import { matchesFilter } from './log-filter.js';
import { splitMessage } from './log-format.js';
import type { LogFilter, LogLine, LogReader, LogSink, LogSource, RecentQuery } from './log-sink.js';
import { LogSubscription } from './log-subscription.js';
import { RingBuffer } from './ring-buffer.js';

/** Heroku keeps the last 1,500 lines of an app; so does Berth. */
export const LINES_KEPT_PER_APP = 1500;

export interface LogHubOptions {
  /** `BERTH_HOME/logs`; created if missing. */
  dir: string;
  clock?: Clock;
  logger?: Logger;
  linesPerApp?: number;
  /** Lines a live reader may fall behind by before lines are dropped for it. */
  subscriberQueue?: number;
  /** How long new lines may wait before they are appended to disk. */
  flushDelayMs?: number;
}

interface AppStream {
  ring: RingBuffer<LogLine>;
  file: AppLogFile;
  nextSeq: number;
  readers: Set<LineFollower>;
}

/** A live reader called synchronously for every line; it must never block (it keeps its own bounded buffer). */
export interface LineFollower {
  offer(line: LogLine): void;
  /** The stream ended for it: the app was forgotten, or the hub closed. */
  end(): void;
}

// App ids become file names: nothing that could climb out of the directory or hide as a dotfile.
const SAFE_APP_ID = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,127}$/;

export class LogHub implements LogSink, LogReader {
  private readonly apps = new Map<string, AppStream>();
  /** Destroyed apps: a late line from a stopping instance must not bring their file back. */
  private readonly forgotten = new Set<string>();
  private readonly clock: Clock;
  private readonly logger: Logger;
  private readonly cap: number;
  private readonly subscriberQueue: number;
  private readonly flushDelayMs: number;

  constructor(private readonly opts: LogHubOptions) {
    this.clock = opts.clock ?? systemClock;
    this.logger = opts.logger ?? silentLogger;
    this.cap = opts.linesPerApp ?? LINES_KEPT_PER_APP;
    this.subscriberQueue = opts.subscriberQueue ?? 1000;
    this.flushDelayMs = opts.flushDelayMs ?? 200;
    mkdirSync(opts.dir, { recursive: true });
  }

  /** Loads every app's persisted lines and flushes them all when `signal` aborts. */
  async start(signal: AbortSignal): Promise<void> {
    for (const name of await readdir(this.opts.dir)) {
      if (name.endsWith('.log.tmp')) await rm(join(this.opts.dir, name), { force: true });
      else if (name.endsWith('.log') && SAFE_APP_ID.test(name.slice(0, -4))) this.stream(name.slice(0, -4));
    }
    if (signal.aborted) await this.close();
    else signal.addEventListener('abort', () => void this.close(), { once: true });
    this.logger.info('log-hub-started', { dir: this.opts.dir, apps: this.apps.size });
  }

  /** Appends to the app's stream; a multi-line message becomes one line per text line. */
  write(appId: string, source: LogSource, dyno: string, message: string, at?: string): void {
    if (this.forgotten.has(appId)) return;
    const app = this.stream(appId);
    const time = at ?? isoNow(this.clock);
    for (const text of splitMessage(message)) {
      const line: LogLine = { seq: app.nextSeq++, time, appId, source, dyno, message: text };
      app.ring.push(line);
      app.file.append(line);
      for (const reader of app.readers) reader.offer(line);
    }
  }

  recent(appId: string, query: RecentQuery): LogLine[] {
    const app = this.forgotten.has(appId) ? undefined : this.stream(appId);
    const wanted = Math.max(0, Math.min(Math.floor(query.lines), this.cap));
    if (!app || wanted === 0) return [];
    const out: LogLine[] = [];
    for (let i = app.ring.size - 1; i >= 0 && out.length < wanted; i--) {
      const line = app.ring.at(i) as LogLine;
      if (matchesFilter(line, query)) out.push(line);
    }
    return out.reverse();
  }

  /** Registers at once, so a caller that reads `recent` right after misses nothing in between. */
  subscribe(appId: string, filter: LogFilter, signal: AbortSignal): AsyncIterableIterator<LogLine> {
    const app = this.forgotten.has(appId) ? undefined : this.stream(appId);
    const sub = new LogSubscription(appId, { ...filter }, this.subscriberQueue, signal, (s) => app?.readers.delete(s));
    if (!app) sub.end();
    else if (!signal.aborted) app.readers.add(sub);
    return sub;
  }

  /**
   * Like `subscribe`, for an in-process reader with its own buffer and drop policy (a log drain):
   * every line, unfiltered, handed over as it is written. Unregistered when `signal` aborts.
   */
  follow(appId: string, follower: LineFollower, signal: AbortSignal): void {
    const app = this.forgotten.has(appId) ? undefined : this.stream(appId);
    if (!app) return follower.end();
    if (signal.aborted) return;
    app.readers.add(follower);
    signal.addEventListener('abort', () => app.readers.delete(follower), { once: true });
  }

  /** The app was destroyed: drop its lines, end its tails and delete its file. */
  async forgetApp(appId: string): Promise<void> {
    const app = this.stream(appId);
    this.forgotten.add(appId);
    this.apps.delete(appId);
    for (const reader of [...app.readers]) reader.end();
    await app.file.remove();
    this.logger.info('app-logs-forgotten', { appId });
  }

  /** Writes every pending line to disk. */
  async flush(): Promise<void> {
    await Promise.all([...this.apps.values()].map((a) => a.file.flush()));
  }

  /** Flushes to disk and ends every live tail; the hub still accepts writes afterwards. */
  async close(): Promise<void> {
    for (const app of this.apps.values()) for (const reader of [...app.readers]) reader.end();
    await this.flush();
  }

  private stream(appId: string): AppStream {
    const known = this.apps.get(appId);
    if (known) return known;
    if (!SAFE_APP_ID.test(appId)) throw new BerthError('invalid_params', `not a valid app id for logs: ${JSON.stringify(appId)}`);
    const path = join(this.opts.dir, `${appId}.log`);
    const loaded = loadLogFile(appId, path, this.cap);
    const ring = new RingBuffer<LogLine>(this.cap);
    for (const line of loaded.lines) ring.push(line);
    const file = new AppLogFile(
      { appId, path, cap: this.cap, snapshot: () => ring.toArray(), logger: this.logger, flushDelayMs: this.flushDelayMs },
      loaded,
    );
    const app: AppStream = { ring, file, nextSeq: (ring.last()?.seq ?? 0) + 1, readers: new Set() };
    this.apps.set(appId, app);
    return app;
  }
}
