// Writes a log session to an HTTP response: chunked text/plain lines, or server-sent events.
import type { IncomingHttpHeaders, ServerResponse } from 'node:http';

export interface LogStreamResponseOptions {
  /** Server-sent events (`data: <line>`), as newer heroku CLIs read logplex URLs; else plain lines. */
  sse: boolean;
  /** SSE comment interval, so proxies and clients do not close a quiet tail as idle. */
  keepAliveMs?: number;
}

/** Whether the client asked for server-sent events in its Accept header. */
export const wantsEventStream = (headers: IncomingHttpHeaders): boolean => /\btext\/event-stream\b/i.test(headers.accept ?? '');

/**
 * Streams until the lines run out (no tail), the client disconnects, or the stream ends (its
 * signal aborted). Waits for `drain` when the client reads slowly, so memory stays bounded:
 * the hub drops lines for a tail that falls behind instead of queueing them here.
 * With fastify, call `reply.hijack()` first and pass `reply.raw`.
 */
export async function writeLogStreamToResponse(stream: AsyncIterable<string> & { readonly seq?: number }, res: ServerResponse, opts: LogStreamResponseOptions): Promise<void> {
  res.writeHead(200, {
    'content-type': opts.sse ? 'text/event-stream; charset=utf-8' : 'text/plain; charset=utf-8',
    'cache-control': 'no-cache',
    'x-accel-buffering': 'no',
  });
  res.flushHeaders();
  const lines = stream[Symbol.asyncIterator]();
  let gone = false;
  let wake: (() => void) | undefined;
  const onClose = () => {
    gone = !res.writableFinished;
    wake?.();
    // Ends a tail that is waiting for a line that may never come.
    if (gone) void lines.return?.()?.catch(() => undefined /* the reader is gone; nothing to tell */);
  };
  res.once('close', onClose);
  const keepAlive = opts.sse ? setInterval(() => gone || res.write(': keep-alive\n\n'), opts.keepAliveMs ?? 15_000) : undefined;
  let failed = false;
  try {
    for (;;) {
      const r = await lines.next();
      if (r.done || gone) break;
      // Each event carries its line's seq as its id: a client that reconnects (EventSource does on its
      // own) sends it back as Last-Event-ID and gets only what it missed.
      const chunk = opts.sse ? `${stream.seq === undefined ? '' : `id: ${stream.seq}\n`}data: ${r.value}\n\n` : `${r.value}\n`;
      if (!res.write(chunk) && !gone) {
        await new Promise<void>((resolve) => {
          wake = resolve;
          res.once('drain', resolve);
        });
        res.off('drain', wake as () => void);
        wake = undefined;
      }
    }
  } catch (e) {
    // Cut the connection rather than end it cleanly: a clean end would read as "that was all".
    failed = true;
    res.destroy(e instanceof Error ? e : new Error(String(e)));
    throw e;
  } finally {
    if (keepAlive) clearInterval(keepAlive);
    res.off('close', onClose);
    if (gone) await lines.return?.();
    else if (!failed) res.end();
  }
}
