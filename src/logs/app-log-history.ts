// One app's log history on disk: appended in batches to an open segment, rolled by size and by the
// hour, closed segments gzipped, and deleted past the retention or the app's size cap, oldest first.
import { closeSync, openSync, readdirSync, readFileSync, readSync, rmSync, statSync, truncateSync } from 'node:fs';
import { appendFile, mkdir, readdir, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import type { Clock } from '../platform/clock.js';
import type { Logger } from '../platform/logger.js';
import { openSegmentName, segmentsOf, type SegmentFile } from './log-segment-files.js';
import type { LogLine } from './log-sink.js';
import { compressSegment } from './segment-compression.js';
import { encodeStoredLine, parseStoredLine } from './stored-log-line.js';

/** What the operator sets: how long lines are kept, and how much disk one app's history may use. */
export interface LogHistoryLimits {
  /** A closed segment whose newest line is older than this is deleted (BERTH_LOG_RETENTION). */
  retentionMs: number;
  /** Bytes on disk per app, segments included; past it the oldest closed segments go (BERTH_LOG_MAX_APP_MB). */
  maxBytesPerApp: number;
}

export const DEFAULT_LOG_HISTORY_LIMITS: LogHistoryLimits = { retentionMs: 7 * 86_400_000, maxBytesPerApp: 100 * 1024 * 1024 };

/** A segment is closed once it holds this much (or an eighth of the app's cap, if smaller). */
export const MAX_SEGMENT_BYTES = 8 * 1024 * 1024;

export interface AppLogHistoryOptions extends LogHistoryLimits {
  appId: string;
  /** The app's own folder, `BERTH_HOME/logs/<app-id>`. */
  dir: string;
  clock: Clock;
  logger: Logger;
  /** Appends wait this long so that a burst of lines costs one write, not one per line. */
  flushDelayMs: number;
  /** Lines waiting for the disk at most; past it lines are counted and left out of the history. */
  maxPendingLines: number;
  segmentBytes?: number;
}

export interface OpenedHistory {
  history: AppLogHistory;
  /** The newest lines on disk, oldest first, at most as many as asked for: the hub's ring. */
  recent: LogLine[];
  /** The highest sequence number the history has used: the app's stream continues after it. */
  lastSeq: number;
}

const HOUR_MS = 3_600_000;
/** Bytes read per wanted line from the end of a plain segment at start; more is read if that is short. */
const TAIL_BYTES_PER_LINE = 1024;

function readTail(path: string, size: number, bytes: number): Buffer {
  const fd = openSync(path, 'r');
  try {
    const buf = Buffer.alloc(bytes);
    const read = readSync(fd, buf, 0, bytes, size - bytes);
    return buf.subarray(0, read);
  } finally {
    closeSync(fd);
  }
}

function countLines(buf: Buffer): number {
  let n = 0;
  for (let i = buf.indexOf(0x0a); i >= 0; i = buf.indexOf(0x0a, i + 1)) n++;
  return n;
}

function readNamesSync(dir: string): string[] {
  try {
    return readdirSync(dir);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw e;
  }
}
const hourOf = (ms: number): number => Math.floor(ms / HOUR_MS);

export class AppLogHistory {
  private pending: LogLine[] = [];
  private dropped = 0;
  private firstDropped: LogLine | undefined;
  private lastDropped: LogLine | undefined;
  private open: { name: string; bytes: number; openedAt: number } | undefined;
  /** Plain segments waiting to be gzipped. */
  private readonly toClose: { name: string; firstSeq: number }[] = [];
  private timer: NodeJS.Timeout | undefined;
  /** One append at a time, in order. */
  private writes: Promise<void> = Promise.resolve();
  /** Compression and deletion, one at a time, beside the appends (another file) so they never wait on it. */
  private upkeepChain: Promise<void> = Promise.resolve();
  private removed = false;
  private readonly segmentBytes: number;

  private constructor(private readonly opts: AppLogHistoryOptions) {
    this.segmentBytes = opts.segmentBytes ?? Math.max(4096, Math.min(MAX_SEGMENT_BYTES, Math.floor(opts.maxBytesPerApp / 8)));
  }

  /**
   * Opens the app's folder synchronously, so the hub numbers the app's next line right on its first
   * write. Repairs what a crash left: a torn last line is cut off, half-done compressions deleted.
   */
  static open(opts: AppLogHistoryOptions, recentLines: number): OpenedHistory {
    const h = new AppLogHistory(opts);
    const names = readNamesSync(opts.dir);
    for (const name of names) if (name.endsWith('.tmp')) rmSync(join(opts.dir, name), { force: true });
    let segments = segmentsOf(names);
    const compressed = new Set(segments.filter((s) => s.kind === 'closed').map((s) => s.firstSeq));
    // A plain segment beside its gzipped copy: the crash came between the rename and the delete.
    for (const s of segments) if (s.kind === 'open' && compressed.has(s.firstSeq)) rmSync(join(opts.dir, s.name), { force: true });
    segments = segments.filter((s) => s.kind === 'closed' || !compressed.has(s.firstSeq));

    const newest = segments.at(-1);
    for (const s of segments) {
      if (s.kind !== 'open') continue;
      if (s === newest && hourOf(s.openedAt) === hourOf(opts.clock.now())) h.open = { name: s.name, bytes: 0, openedAt: s.openedAt };
      else h.toClose.push({ name: s.name, firstSeq: s.firstSeq });
    }
    const recent: LogLine[] = [];
    for (let i = segments.length - 1; i >= 0 && recent.length < recentLines; i--) {
      recent.unshift(...h.readSyncOrNothing(segments[i] as SegmentFile, recentLines - recent.length));
    }
    const lastSeq = Math.max(recent.at(-1)?.seq ?? 0, (newest?.firstSeq ?? 1) - 1);
    if (h.toClose.length > 0) void h.upkeep();
    return { history: h, recent, lastSeq };
  }

  append(line: LogLine): void {
    if (this.removed) return;
    if (this.pending.length >= this.opts.maxPendingLines) {
      this.dropped++;
      this.firstDropped ??= line;
      this.lastDropped = line;
    } else {
      this.pending.push(line);
    }
    this.timer ??= setTimeout(() => void this.flush(), this.opts.flushDelayMs).unref();
  }

  /** Writes every line appended so far; resolves once they are on disk (or the failure is logged). */
  flush(): Promise<void> {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    this.writes = this.writes.then(() => this.writePending());
    return this.writes;
  }

  /**
   * Closes an open segment from an earlier hour (a quiet app's too), compresses what is closed and
   * applies the retention and the size cap. Run periodically by the hub.
   */
  async sweep(): Promise<void> {
    this.writes = this.writes.then(() => {
      if (this.open && hourOf(this.open.openedAt) !== hourOf(this.opts.clock.now())) this.closeOpen();
    });
    await this.writes;
    await this.upkeep();
  }

  /** Waits for every write, compression and deletion started so far. */
  async settle(): Promise<void> {
    await this.flush();
    await this.upkeepChain;
  }

  /** The app was destroyed: drops pending lines and deletes its whole history. */
  async remove(): Promise<void> {
    this.removed = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    this.pending = [];
    await this.writes;
    await this.upkeepChain;
    await rm(this.opts.dir, { recursive: true, force: true });
  }

  private async writePending(): Promise<void> {
    if (this.removed) return;
    const batch = this.pending;
    this.pending = [];
    const marker = this.takeDroppedMarker();
    // The dropped lines came after the ones that waited: the marker takes their place, at the end.
    if (marker) batch.push(marker);
    if (batch.length === 0) return;
    const now = this.opts.clock.now();
    if (this.open && hourOf(this.open.openedAt) !== hourOf(now)) this.closeOpen();
    // A batch larger than what the open segment has room for is split across segments, so that
    // retention and the size cap, which delete whole segments, still work in segment-sized steps.
    let chunk: { text: string[]; bytes: number; firstSeq: number } = { text: [], bytes: 0, firstSeq: batch[0]!.seq };
    for (const line of batch) {
      const text = encodeStoredLine(line);
      const bytes = Buffer.byteLength(text);
      const used = (this.open?.bytes ?? 0) + chunk.bytes;
      if (used > 0 && used + bytes > this.segmentBytes) {
        if (chunk.text.length > 0 && !(await this.appendChunk(chunk, now))) return;
        this.closeOpen();
        chunk = { text: [], bytes: 0, firstSeq: line.seq };
      }
      if (chunk.text.length === 0) chunk.firstSeq = line.seq;
      chunk.text.push(text);
      chunk.bytes += bytes;
    }
    if (chunk.text.length > 0) await this.appendChunk(chunk, now);
  }

  /** Appends lines to the open segment (opening one first if none is); false when the write failed. */
  private async appendChunk(chunk: { text: string[]; bytes: number; firstSeq: number }, now: number): Promise<boolean> {
    try {
      if (!this.open) {
        // The folder is made with the app's first line, not when someone merely reads an app's logs.
        await mkdir(this.opts.dir, { recursive: true });
        this.open = { name: openSegmentName(chunk.firstSeq, now), bytes: 0, openedAt: now };
      }
      await appendFile(join(this.opts.dir, this.open.name), chunk.text.join(''));
      this.open.bytes += chunk.bytes;
      return true;
    } catch (e) {
      // The file may now end in half a line: the next lines start a segment of their own, and
      // readers skip the torn line.
      this.opts.logger.error('log-history-append-failed', { appId: this.opts.appId, segment: this.open?.name, error: String(e) });
      this.closeOpen();
      return false;
    }
  }

  private closeOpen(): void {
    if (!this.open) return;
    this.toClose.push({ name: this.open.name, firstSeq: Number(this.open.name.slice(0, 12)) });
    this.open = undefined;
    void this.upkeep();
  }

  private upkeep(): Promise<void> {
    this.upkeepChain = this.upkeepChain.then(() => this.runUpkeep()).catch((e: Error) => {
      this.opts.logger.error('log-history-upkeep-failed', { appId: this.opts.appId, error: e.message });
    });
    return this.upkeepChain;
  }

  private async runUpkeep(): Promise<void> {
    for (let next = this.toClose.shift(); next && !this.removed; next = this.toClose.shift()) {
      try {
        await compressSegment(this.opts.dir, next.name, next.firstSeq);
      } catch (e) {
        // Left plain: still searchable, and compressed at the next start.
        this.opts.logger.error('log-segment-compression-failed', { appId: this.opts.appId, segment: next.name, error: String(e) });
      }
    }
    if (!this.removed) await this.applyLimits();
  }

  private async applyLimits(): Promise<void> {
    const segments = segmentsOf(await readdir(this.opts.dir).catch((e: NodeJS.ErrnoException) => {
      if (e.code === 'ENOENT') return [];
      throw e;
    }));
    const sized = await Promise.all(segments.map(async (s) => ({ s, bytes: (await stat(join(this.opts.dir, s.name)).catch(() => undefined))?.size ?? 0 })));
    const cutoff = this.opts.clock.now() - this.opts.retentionMs;
    let total = sized.reduce((sum, x) => sum + x.bytes, 0);
    let expired = 0;
    let overCap = 0;
    for (const { s, bytes } of sized) {
      if (s.kind !== 'closed') continue;
      const old = s.maxTime < cutoff;
      if (!old && total <= this.opts.maxBytesPerApp) continue;
      await rm(join(this.opts.dir, s.name), { force: true });
      total -= bytes;
      if (old) expired++;
      else overCap++;
    }
    if (expired + overCap > 0) this.opts.logger.info('log-segments-deleted', { appId: this.opts.appId, expired, overCap });
  }

  private readSyncOrNothing(s: SegmentFile, wanted: number): LogLine[] {
    try {
      return this.readSync(s, wanted);
    } catch (e) {
      // One unreadable segment must not stop the app's logging: its lines are left out of the ring.
      this.opts.logger.error('log-segment-unreadable', { appId: this.opts.appId, segment: s.name, error: String(e) });
      return [];
    }
  }

  /**
   * The newest `wanted` lines of a segment. Of a plain one only its tail is read (a start opens every
   * app: reading and parsing whole 8 MB segments would make it slow), and a torn last line is cut
   * off so the next append starts a clean line.
   */
  private readSync(s: SegmentFile, wanted: number): LogLine[] {
    const path = join(this.opts.dir, s.name);
    let raw: Buffer;
    if (s.kind === 'closed') {
      raw = gunzipSync(readFileSync(path));
    } else {
      const size = statSync(path).size;
      raw = readTail(path, size, Math.min(size, wanted * TAIL_BYTES_PER_LINE));
      if (raw.length < size && countLines(raw) <= wanted) raw = readFileSync(path);
      let kept = size;
      if (raw.length > 0 && raw[raw.length - 1] !== 0x0a) {
        const end = raw.lastIndexOf(0x0a) + 1;
        kept = size - (raw.length - end);
        truncateSync(path, kept);
        raw = raw.subarray(0, end);
      }
      if (this.open?.name === s.name) this.open.bytes = kept;
    }
    // Only the newest lines are parsed (the first of a tail read may be cut: it is skipped then).
    const texts = raw.toString('utf8').split('\n').filter((t) => t !== '');
    const lines: LogLine[] = [];
    for (const text of texts.slice(-wanted)) {
      const line = parseStoredLine(this.opts.appId, text);
      if (line) lines.push(line);
    }
    return lines;
  }

  private takeDroppedMarker(): LogLine | undefined {
    if (this.dropped === 0 || !this.firstDropped || !this.lastDropped) return undefined;
    const marker: LogLine = {
      seq: this.lastDropped.seq, time: this.lastDropped.time, appId: this.opts.appId, source: 'berth', dyno: 'logs',
      message: `Error L10 (output buffer overflow): ${this.dropped} messages not written to the log history since ${this.firstDropped.time}.`,
    };
    this.dropped = 0;
    this.firstDropped = undefined;
    this.lastDropped = undefined;
    return marker;
  }
}
