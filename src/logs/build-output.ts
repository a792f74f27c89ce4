// Each build's output: kept in memory while the build runs (so late readers get it all and then
// follow live), written to BERTH_HOME/builds/<id>.log, and read from there once it is finished.
import { createWriteStream, existsSync, mkdirSync, type WriteStream } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';

interface Running {
  lines: string[];
  done: boolean;
  file: WriteStream;
  waiters: Set<() => void>;
}

export interface BuildOutputWriter {
  line(text: string): void;
  end(): Promise<void>;
}

const SAFE_ID = /^[A-Za-z0-9-]{1,64}$/;

export class BuildOutputs {
  private readonly running = new Map<string, Running>();

  constructor(private readonly dir: string) {
    mkdirSync(dir, { recursive: true });
  }

  open(buildId: string): BuildOutputWriter {
    if (!SAFE_ID.test(buildId)) throw new Error(`unsafe build id ${buildId}`);
    const entry: Running = { lines: [], done: false, file: createWriteStream(join(this.dir, `${buildId}.log`)), waiters: new Set() };
    this.running.set(buildId, entry);
    const notify = () => { for (const w of entry.waiters) w(); };
    return {
      line: (text) => {
        if (entry.done) return;
        entry.lines.push(text);
        entry.file.write(text + '\n');
        notify();
      },
      end: async () => {
        if (entry.done) return;
        entry.done = true;
        await new Promise<void>((resolve) => entry.file.end(resolve));
        notify();
        // Finished output is served from the file; keep memory for the builds that are running.
        setTimeout(() => this.running.delete(buildId), 60_000).unref();
      },
    };
  }

  exists(buildId: string): boolean {
    return this.running.has(buildId) || (SAFE_ID.test(buildId) && existsSync(join(this.dir, `${buildId}.log`)));
  }

  /** All lines so far, then live lines until the build ends or the signal aborts. */
  async *follow(buildId: string, signal?: AbortSignal): AsyncIterable<string> {
    const entry = this.running.get(buildId);
    if (!entry) {
      if (!SAFE_ID.test(buildId)) return;
      const text = await readFile(join(this.dir, `${buildId}.log`), 'utf8').catch(() => '');
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
}
