// Each build's output: kept in memory while the build runs (so late readers get it all and then
// follow live), written to BERTH_HOME/builds/<id>.log, and read from there once it is finished.
// A file that cannot be written (disk full, I/O error) fails that one build, never the process.
import { createWriteStream, existsSync, mkdirSync } from 'node:fs';
import { appendFile, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Writable } from 'node:stream';

interface Running {
  lines: string[];
  done: boolean;
  file: Writable;
  /** The first write error of the file, if any: the output on disk is incomplete from there on. */
  fault?: Error;
  /** Resolves once the file is closed (finished or failed). */
  closed: Promise<void>;
  waiters: Set<() => void>;
}

export interface BuildOutputWriter {
  line(text: string): void;
  /** Why the output could not be kept (the file failed), or undefined while all is well. */
  fault(): Error | undefined;
  /** Closes the output; never rejects (a failed file was already reported through fault()). */
  end(): Promise<void>;
}

const SAFE_ID = /^[A-Za-z0-9-]{1,64}$/;

export interface BuildOutputsOptions {
  /** Opens a build's output file; tests pass a failing stream. */
  openFile?: (path: string) => Writable;
  /** Told once per build whose output file failed. */
  onFault?: (buildId: string, error: Error) => void;
}

export class BuildOutputs {
  private readonly running = new Map<string, Running>();
  private readonly openFile: (path: string) => Writable;

  constructor(private readonly dir: string, private readonly options: BuildOutputsOptions = {}) {
    mkdirSync(dir, { recursive: true });
    this.openFile = options.openFile ?? ((path) => createWriteStream(path));
  }

  open(buildId: string): BuildOutputWriter {
    if (!SAFE_ID.test(buildId)) throw new Error(`unsafe build id ${buildId}`);
    const file = this.openFile(this.fileOf(buildId));
    let closed!: () => void;
    const entry: Running = { lines: [], done: false, file, closed: new Promise((r) => { closed = r; }), waiters: new Set() };
    file.on('error', (e: Error) => {
      if (!entry.fault) this.options.onFault?.(buildId, e);
      entry.fault ??= e;
      closed();
    });
    file.on('close', () => closed());
    file.on('finish', () => closed());
    this.running.set(buildId, entry);
    const notify = () => { for (const w of entry.waiters) w(); };
    return {
      line: (text) => {
        if (entry.done) return;
        entry.lines.push(text);
        // Readers still get every line from memory while the build runs; only the file stops.
        if (!entry.fault && !file.destroyed) file.write(text + '\n');
        notify();
      },
      fault: () => entry.fault,
      end: async () => {
        if (entry.done) return;
        entry.done = true;
        if (!entry.fault && !file.destroyed) file.end();
        else closed();
        await entry.closed;
        notify();
        // Finished output is served from the file; keep memory for the builds that are running.
        setTimeout(() => this.running.delete(buildId), 60_000).unref();
      },
    };
  }

  /**
   * Adds lines to the output of a build that is not running in this process (one a dead server left
   * behind), so whoever reads it later sees how it ended.
   */
  async appendFinished(buildId: string, lines: string[]): Promise<void> {
    if (!SAFE_ID.test(buildId) || this.running.has(buildId)) throw new Error(`cannot append to build output ${buildId}`);
    await appendFile(this.fileOf(buildId), lines.map((l) => l + '\n').join(''));
  }

  exists(buildId: string): boolean {
    return this.running.has(buildId) || (SAFE_ID.test(buildId) && existsSync(this.fileOf(buildId)));
  }

  /** All lines so far, then live lines until the build ends or the signal aborts. */
  async *follow(buildId: string, signal?: AbortSignal): AsyncIterable<string> {
    const entry = this.running.get(buildId);
    if (!entry) {
      if (!SAFE_ID.test(buildId)) return;
      const text = await readFile(this.fileOf(buildId), 'utf8').catch(() => '');
      for (const l of text.split('\n').slice(0, -1)) yield l;
      return;
    }
    let next = 0;
    while (!signal?.aborted) {
      while (next < entry.lines.length) yield entry.lines[next++]!;
      if (entry.done) return;
      await new Promise<void>((resolve) => {
        const wake = () => { entry.waiters.delete(wake); signal?.removeEventListener('abort', wake); resolve(); };
        entry.waiters.add(wake);
        signal?.addEventListener('abort', wake, { once: true });
      });
    }
  }

  private fileOf(buildId: string): string {
    return join(this.dir, `${buildId}.log`);
  }
}
