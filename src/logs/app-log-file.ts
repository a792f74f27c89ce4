// One app's persisted log lines: `<appId>.log`, JSON lines, appended in batches and compacted past twice the cap.
import { readFileSync } from 'node:fs';
import { appendFile, rename, rm, writeFile } from 'node:fs/promises';
import type { Logger } from '../platform/logger.js';
import { LOG_SOURCES, type LogLine } from './log-sink.js';

export interface AppLogFileOptions {
  appId: string;
  path: string;
  /** Lines kept per app; the file is rewritten to these once it holds more than twice as many. */
  cap: number;
  /** The lines to keep, oldest first, when the file is rewritten (the hub's ring buffer). */
  snapshot: () => LogLine[];
  logger: Logger;
  /** Appends wait this long so that a burst of lines costs one write, not one per line. */
  flushDelayMs: number;
}

export interface LoadedLog {
  lines: LogLine[];
  /** Lines in the file; compaction compares this with the cap. */
  fileLines: number;
  /** The file ended in a torn or unreadable line (a crash mid-write): rewrite before appending. */
  damaged: boolean;
}

/** Reads a log file synchronously, so an app's sequence continues before its first new line is numbered. */
export function loadLogFile(appId: string, path: string, cap: number): LoadedLog {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return { lines: [], fileLines: 0, damaged: false };
    throw e;
  }
  const lines: LogLine[] = [];
  let fileLines = 0;
  let damaged = text.length > 0 && !text.endsWith('\n');
  for (const raw of text.split('\n')) {
    if (raw === '') continue;
    fileLines++;
    const line = parseStoredLine(appId, raw);
    if (line) lines.push(line);
    else damaged = true;
  }
  return { lines: lines.slice(-cap), fileLines, damaged };
}

function parseStoredLine(appId: string, raw: string): LogLine | undefined {
  try {
    const v = JSON.parse(raw) as Partial<LogLine>;
    if (typeof v.seq !== 'number' || typeof v.time !== 'string' || typeof v.dyno !== 'string' || typeof v.message !== 'string') return undefined;
    if (!LOG_SOURCES.includes(v.source as LogLine['source'])) return undefined;
    return { seq: v.seq, time: v.time, appId, source: v.source as LogLine['source'], dyno: v.dyno, message: v.message };
  } catch {
    return undefined;
  }
}

const storedLine = (l: LogLine): string => JSON.stringify({ seq: l.seq, time: l.time, source: l.source, dyno: l.dyno, message: l.message }) + '\n';

export class AppLogFile {
  private pending: LogLine[] = [];
  private rewriteNeeded: boolean;
  private fileLines: number;
  private timer: NodeJS.Timeout | undefined;
  /** One write at a time, in order: appends and rewrites never interleave. */
  private chain: Promise<void> = Promise.resolve();
  private removed = false;

  constructor(private readonly opts: AppLogFileOptions, loaded: Pick<LoadedLog, 'fileLines' | 'damaged'>) {
    this.fileLines = loaded.fileLines;
    this.rewriteNeeded = loaded.damaged;
  }

  append(line: LogLine): void {
    if (this.removed) return;
    // Lines beyond the cap would fall out of the ring before reaching disk anyway; rewriting from the
    // ring instead keeps a burst of writes from holding an unbounded backlog in memory.
    if (this.pending.length >= this.opts.cap) {
      this.pending = [];
      this.rewriteNeeded = true;
    } else {
      this.pending.push(line);
    }
    this.timer ??= setTimeout(() => void this.flush(), this.opts.flushDelayMs).unref();
  }

  /** Writes everything appended so far; resolves once it is on disk (or has failed and been logged). */
  flush(): Promise<void> {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    this.chain = this.chain.then(() => this.writePending());
    return this.chain;
  }

  /** Drops pending lines and deletes the file (the app was destroyed). */
  async remove(): Promise<void> {
    this.removed = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    this.pending = [];
    await this.chain;
    await rm(this.opts.path, { force: true });
    await rm(this.opts.path + '.tmp', { force: true });
  }

  private async writePending(): Promise<void> {
    if (this.removed) return;
    // Taken together, synchronously: the snapshot already contains every pending line.
    const batch = this.pending;
    const rewrite = this.rewriteNeeded || this.fileLines + batch.length > 2 * this.opts.cap;
    if (batch.length === 0 && !rewrite) return;
    const snapshot = rewrite ? this.opts.snapshot() : [];
    this.pending = [];
    this.rewriteNeeded = false;
    try {
      if (rewrite) {
        // Write then rename, so a crash mid-compaction leaves the old file, never half a new one.
        const tmp = this.opts.path + '.tmp';
        await writeFile(tmp, snapshot.map(storedLine).join(''));
        await rename(tmp, this.opts.path);
        this.fileLines = snapshot.length;
      } else {
        await appendFile(this.opts.path, batch.map(storedLine).join(''));
        this.fileLines += batch.length;
      }
    } catch (e) {
      // The lines are still in memory; rewriting the whole file next time repairs a partial append.
      this.rewriteNeeded = true;
      this.opts.logger.error('log-persist-failed', { appId: this.opts.appId, path: this.opts.path, error: String(e) });
    }
  }
}
