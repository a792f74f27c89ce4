// The log hub: each app's one ordered stream, its last lines in memory, its history on disk, and live tails.
import { mkdirSync } from 'node:fs';
import { mkdir, readdir, rename, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { BerthError } from '../domain/errors.js';
import { systemClock, type Clock } from '../platform/clock.js';
import { silentLogger, type Logger } from '../platform/logger.js';
import { AppLogHistory, DEFAULT_LOG_HISTORY_LIMITS, type LogHistoryLimits } from './app-log-history.js';
import { matchesFilter } from './log-filter.js';
import { splitMessage } from './log-format.js';
import { searchLogHistory } from './log-history-search.js';
import { openSegmentName } from './log-segment-files.js';
import type { HistoryPage, HistoryQuery, LogFilter, LogHistoryReader, LogLine, LogReader, LogSink, LogSource, RecentQuery } from './log-sink.js';
import { LogSubscription } from './log-subscription.js';
import { RingBuffer } from './ring-buffer.js';

/** Heroku keeps the last 1,500 lines of an app in memory; so does Berth (the history keeps the rest). */
export const LINES_KEPT_PER_APP = 1500;

export interface LogHubOptions {
  /** `BERTH_HOME/logs`; created if missing. Each app's history is the folder `<app-id>/` in it. */
  dir: string;
  clock?: Clock;
  logger?: Logger;
  linesPerApp?: number;
  /** Lines a live reader may fall behind by before lines are dropped for it. */
  subscriberQueue?: number;
  /** How long new lines may wait before they are appended to disk. */
  flushDelayMs?: number;
  /** Retention and per-app size cap of the history; Berth's defaults (7 days, 100 MB) otherwise. */
  limits?: Partial<LogHistoryLimits>;
  /** Roll segments by size at this many bytes (default: an eighth of the size cap, at most 8 MB). */
  segmentBytes?: number;
  /** Lines an app may have waiting for the disk (default 20,000) before the history skips some. */
  maxPendingLines?: number;
  /** How often quiet apps' segments are closed and the retention applied (default 10 minutes). */
  sweepEveryMs?: number;
}

interface AppStream {
  ring: RingBuffer<LogLine>;
  history: AppLogHistory;
  nextSeq: number;
  readers: Set<LineFollower>;
}

/** A live reader called synchronously for every line; it must never block (it keeps its own bounded buffer). */
export interface LineFollower {
  offer(line: LogLine): void;
  /** The stream ended for it: the app was forgotten, or the hub closed. */
  end(): void;
}

// App ids become folder names: nothing that could climb out of the directory or hide as a dotfile.
const SAFE_APP_ID = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,127}$/;

export class LogHub implements LogSink, LogReader, LogHistoryReader {
  private readonly apps = new Map<string, AppStream>();
  /** Destroyed apps: a late line from a stopping instance must not bring their history back. */
  private readonly forgotten = new Set<string>();
  private readonly clock: Clock;
  private readonly logger: Logger;
  private readonly cap: number;
  private readonly subscriberQueue: number;
  private readonly flushDelayMs: number;
  private readonly limits: LogHistoryLimits;

  constructor(private readonly opts: LogHubOptions) {
    this.clock = opts.clock ?? systemClock;
    this.logger = opts.logger ?? silentLogger;
    this.cap = opts.linesPerApp ?? LINES_KEPT_PER_APP;
    this.subscriberQueue = opts.subscriberQueue ?? 1000;
    this.flushDelayMs = opts.flushDelayMs ?? 200;
    this.limits = { ...DEFAULT_LOG_HISTORY_LIMITS, ...opts.limits };
    mkdirSync(opts.dir, { recursive: true });
  }

  /**
   * Opens every app's history (applying the retention at once), then sweeps every `sweepEveryMs`;
   * flushes everything when `signal` aborts.
   */
  async start(signal: AbortSignal): Promise<void> {
    for (const name of await readdir(this.opts.dir)) {
      if (name.endsWith('.log.tmp')) await rm(join(this.opts.dir, name), { force: true });
      else if (name.endsWith('.log') && SAFE_APP_ID.test(name.slice(0, -4))) await this.adoptSingleFile(name.slice(0, -4));
    }
    for (const name of await readdir(this.opts.dir)) {
      if (SAFE_APP_ID.test(name) && (await stat(join(this.opts.dir, name))).isDirectory()) this.stream(name);
    }
    await this.sweep();
    if (signal.aborted) await this.close();
    else signal.addEventListener('abort', () => void this.close(), { once: true });
    void this.sweepEvery(signal).catch((e: Error) => this.logger.error('log-sweep-stopped', { error: e.message }));
    this.logger.info('log-hub-started', { dir: this.opts.dir, apps: this.apps.size, ...this.limits });
  }

  /** Appends to the app's stream; a multi-line message becomes one line per text line. */
  write(appId: string, source: LogSource, dyno: string, message: string, at?: string): void {
    if (this.forgotten.has(appId)) return;
    const app = this.stream(appId);
    const time = at ?? this.timeNow();
    for (const text of splitMessage(message)) {
      const line: LogLine = { seq: app.nextSeq++, time, appId, source, dyno, message: text };
      app.ring.push(line);
      app.history.append(line);
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

  /** Searches the app's history on disk, its lines not yet written included (they are written first). */
  async search(appId: string, query: HistoryQuery): Promise<HistoryPage> {
    if (this.forgotten.has(appId)) return { lines: [], stoppedEarly: false };
    await this.stream(appId).history.flush();
    return searchLogHistory(join(this.opts.dir, appId), appId, query);
  }

  lastSeq(appId: string): number {
    const app = this.forgotten.has(appId) ? undefined : this.stream(appId);
    return app ? app.nextSeq - 1 : 0;
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

  /** The app was destroyed: drop its lines, end its tails and delete its history. */
  async forgetApp(appId: string): Promise<void> {
    const app = this.stream(appId);
    this.forgotten.add(appId);
    this.apps.delete(appId);
    for (const reader of [...app.readers]) reader.end();
    await app.history.remove();
    this.logger.info('app-logs-forgotten', { appId });
  }

  /** Writes every pending line to disk. */
  async flush(): Promise<void> {
    await Promise.all([...this.apps.values()].map((a) => a.history.flush()));
  }

  /** Closes segments of an hour gone by, compresses closed ones, applies the retention and size cap. */
  async sweep(): Promise<void> {
    await Promise.all([...this.apps.values()].map((a) => a.history.sweep()));
  }

  /** Waits until every write, compression and deletion under way is done (tests, shutdown). */
  async settle(): Promise<void> {
    await Promise.all([...this.apps.values()].map((a) => a.history.settle()));
  }

  /** Flushes to disk and ends every live tail; the hub still accepts writes afterwards. */
  async close(): Promise<void> {
    for (const app of this.apps.values()) for (const reader of [...app.readers]) reader.end();
    await this.flush();
  }

  private lastTime = { ms: NaN, iso: '' };

  /** Now as ISO 8601; lines written within the same millisecond share the string. */
  private timeNow(): string {
    const ms = this.clock.now();
    if (ms !== this.lastTime.ms) this.lastTime = { ms, iso: new Date(ms).toISOString() };
    return this.lastTime.iso;
  }

  private async sweepEvery(signal: AbortSignal): Promise<void> {
    const every = this.opts.sweepEveryMs ?? 10 * 60_000;
    while (!signal.aborted) {
      try {
        await this.clock.sleep(every, signal);
      } catch {
        return; // aborted: the server is stopping
      }
      await this.sweep();
    }
  }

  /**
   * Berth before the history kept one file per app, `<app-id>.log`, in the same line format: it
   * becomes the app's first segment, closed and compressed by the first sweep.
   */
  private async adoptSingleFile(appId: string): Promise<void> {
    const folder = join(this.opts.dir, appId);
    await mkdir(folder, { recursive: true });
    const { mtimeMs } = await stat(join(this.opts.dir, `${appId}.log`));
    await rename(join(this.opts.dir, `${appId}.log`), join(folder, openSegmentName(1, Math.floor(mtimeMs))));
    this.logger.info('app-log-file-adopted', { appId });
  }

  private stream(appId: string): AppStream {
    const known = this.apps.get(appId);
    if (known) return known;
    if (!SAFE_APP_ID.test(appId)) throw new BerthError('invalid_params', `not a valid app id for logs: ${JSON.stringify(appId)}`);
    const { history, recent, lastSeq } = AppLogHistory.open({
      appId, dir: join(this.opts.dir, appId), clock: this.clock, logger: this.logger, flushDelayMs: this.flushDelayMs,
      maxPendingLines: this.opts.maxPendingLines ?? 20_000, ...this.limits,
      ...(this.opts.segmentBytes === undefined ? {} : { segmentBytes: this.opts.segmentBytes }),
    }, this.cap);
    const ring = new RingBuffer<LogLine>(this.cap);
    for (const line of recent) ring.push(line);
    const app: AppStream = { ring, history, nextSeq: lastSeq + 1, readers: new Set() };
    this.apps.set(appId, app);
    return app;
  }
}
