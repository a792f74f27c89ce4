// Follows a Docker Engine progress stream (pull, build, import, push): JSON objects, one per
// line. Passes readable lines on and turns an `error` object into a rejection.
import type { Readable } from 'node:stream';
import { lineSplitter } from '../line-splitter.js';
import { plainLine, withoutEscapes } from './terminal-text.js';

export interface ProgressEvent {
  stream?: string;
  status?: string;
  progress?: string;
  id?: string;
  error?: string;
  errorDetail?: { message?: string };
  aux?: { ID?: string };
  progressDetail?: { current?: number; total?: number };
}

/**
 * Resolves with the last aux.ID (the image id of a build) once the stream ends without an error.
 * onEvent sees every event as the engine sent it (a pull's per-layer progress, for a summary).
 */
export function followProgress(stream: NodeJS.ReadableStream | Readable, onLine: (line: string) => void, onEvent?: (event: ProgressEvent) => void): Promise<string | undefined> {
  return new Promise((resolve, reject) => {
    let pending = '';
    let imageId: string | undefined;
    let failure: string | undefined;
    // A step's output comes in chunks that need not end at a line's end ("Step 1/3 : FROM x", then "\n"):
    // whole lines are put together across events, as plain text.
    const output = lineSplitter((l) => onLine(plainLine(l)));
    const handle = (text: string) => {
      if (!text.trim()) return;
      let event: ProgressEvent;
      try {
        event = JSON.parse(text) as ProgressEvent;
      } catch {
        onLine(text);
        return;
      }
      onEvent?.(event);
      if (event.error) failure = event.errorDetail?.message ?? event.error;
      if (event.aux?.ID) imageId = event.aux.ID;
      // Escapes go before lines are cut: the engine's colour reset after the last newline is not a line.
      if (event.stream) output.push(withoutEscapes(event.stream));
      else if (event.status && !event.progress) {
        output.flush();
        onLine(event.id ? `${event.id}: ${event.status}` : event.status);
      }
    };
    stream.on('data', (chunk: Buffer | string) => {
      pending += chunk.toString();
      const lines = pending.split('\n');
      pending = lines.pop()!;
      for (const l of lines) handle(l);
    });
    stream.on('error', reject);
    stream.on('end', () => {
      handle(pending);
      output.flush();
      if (failure) reject(new Error(failure));
      else resolve(imageId);
    });
  });
}
