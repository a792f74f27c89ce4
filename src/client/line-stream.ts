// Following a streamed text/plain URL (build output, log sessions) line by line as it arrives.
import { apiErrorFrom, ConnectionError } from './api-error.js';

export interface LineStreamOptions {
  fetch?: typeof fetch;
  signal?: AbortSignal;
  headers?: Record<string, string>;
}

/**
 * Yields each complete line (without its newline) as soon as it arrives; a last line without a
 * newline is yielded when the stream ends. Ends quietly when `signal` aborts, since stopping to
 * follow (Ctrl-C, a build that finished) is not an error for the caller.
 */
export async function* streamLines(url: string, opts: LineStreamOptions = {}): AsyncGenerator<string> {
  const doFetch = opts.fetch ?? globalThis.fetch;
  let res: Response;
  try {
    res = await doFetch(url, { headers: { Accept: 'text/plain', ...opts.headers }, signal: opts.signal });
  } catch (e) {
    if (opts.signal?.aborted) return;
    throw new ConnectionError(new URL(url).origin, reasonOf(e));
  }
  if (res.status >= 400) {
    const text = await res.text();
    let body: unknown = text;
    try { body = JSON.parse(text); } catch { /* a plain-text error body is used as is */ }
    throw apiErrorFrom(res.status, res.statusText, body);
  }
  if (!res.body) return;
  const decoder = new TextDecoder();
  let pending = '';
  try {
    for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) {
      pending += decoder.decode(chunk, { stream: true });
      const lines = pending.split('\n');
      pending = lines.pop()!;
      for (const line of lines) yield line.replace(/\r$/, '');
    }
  } catch (e) {
    if (opts.signal?.aborted) return;
    throw new StreamDroppedError(reasonOf(e));
  }
  pending += decoder.decode();
  if (pending) yield pending;
}

/** The connection broke in the middle of a stream (server restart, network): callers may reconnect. */
export class StreamDroppedError extends Error {
  constructor(reason: string) {
    super(`The stream was interrupted (${reason}).`);
    this.name = 'StreamDroppedError';
  }
}

function reasonOf(e: unknown): string {
  const cause = (e as { cause?: { code?: string; message?: string } })?.cause;
  return cause?.code ?? cause?.message ?? (e instanceof Error ? e.message : String(e));
}
