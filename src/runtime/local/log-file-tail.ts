// Reads an instance's output file line by line and, when following, keeps polling it for new
// output until the instance has exited (then drains what is left) or the caller aborts.
import { open } from 'node:fs/promises';
import { StringDecoder } from 'node:string_decoder';
import type { LogChunk } from '../runtime.js';

export interface TailOptions {
  follow: boolean;
  signal?: AbortSignal;
  /** True once the instance has exited; checked before each poll. */
  hasExited: () => Promise<boolean>;
  pollMs?: number;
}

/**
 * stdout and stderr share one file (appending keeps their relative order), so every chunk is
 * reported as stdout, which is also how Heroku's log stream presents a dyno's output.
 */
export async function* tailLogFile(path: string, opts: TailOptions): AsyncGenerator<LogChunk> {
  const handle = await open(path, 'r').catch(() => undefined);
  if (!handle) return;
  try {
    let position = 0;
    let pending = '';
    const buffer = Buffer.alloc(64 * 1024);
    // A multi-byte character may straddle two reads.
    const decoder = new StringDecoder('utf8');
    for (;;) {
      const exitedBeforeRead = opts.follow ? await opts.hasExited() : true;
      for (;;) {
        const { bytesRead } = await handle.read(buffer, 0, buffer.length, position);
        if (bytesRead === 0) break;
        position += bytesRead;
        pending += decoder.write(buffer.subarray(0, bytesRead));
        const lines = pending.split('\n');
        pending = lines.pop() ?? '';
        for (const line of lines) yield { stream: 'stdout', line };
      }
      if (exitedBeforeRead || opts.signal?.aborted) break;
      const stopped = await sleep(opts.pollMs ?? 200, opts.signal);
      if (stopped) break;
    }
    pending += decoder.end();
    if (pending !== '') yield { stream: 'stdout', line: pending };
  } finally {
    await handle.close();
  }
}

/** Resolves after ms, or early (true) when the signal aborts. */
function sleep(ms: number, signal?: AbortSignal): Promise<boolean> {
  return new Promise((resolve) => {
    if (signal?.aborted) return resolve(true);
    const timer = setTimeout(() => { signal?.removeEventListener('abort', onAbort); resolve(false); }, ms);
    const onAbort = () => { clearTimeout(timer); resolve(true); };
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}
