// One attempt at one backend: stream the request up and the response down, and say how it ended.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { performance } from 'node:perf_hooks';
import type { Dispatcher } from 'undici';
import { clientResponseHeaders } from './forwarded-headers.js';
import { routerErrors, type RouterErrorCode } from './router-errors.js';

export type AttemptOutcome =
  /**
   * Nothing reached the backend (it refused the connection); another backend may be tried.
   * `gone`: the failure says nothing listens there any more (refused, unreachable, timed out),
   * not merely that this one connection broke.
   */
  | { kind: 'unsent'; error: Error; gone: boolean }
  | { kind: 'done'; status: number; bytes: number; connectMs: number; serviceMs: number }
  | {
      kind: 'failed';
      code: RouterErrorCode;
      /** True when the backend's status line already went to the client: no error page possible. */
      responded: boolean;
      status: number;
      bytes: number;
      connectMs?: number;
      serviceMs?: number;
      error?: Error;
    };

export interface AttemptOptions {
  headers: string[];
  hasBody: boolean;
  /** H12 when the backend has not started its response within this time. */
  timeoutMs: number;
}

// Errors undici reports while still connecting, before a request byte was written.
const CONNECT_ERRORS = new Set(['ECONNREFUSED', 'ECONNRESET', 'EHOSTUNREACH', 'ENETUNREACH', 'ETIMEDOUT', 'EADDRNOTAVAIL', 'UND_ERR_CONNECT_TIMEOUT', 'UND_ERR_SOCKET']);
// Of those, the ones that say the backend itself is gone: nothing listens, or its host is unreachable.
const GONE_ERRORS = new Set(['ECONNREFUSED', 'EHOSTUNREACH', 'ENETUNREACH', 'ETIMEDOUT', 'UND_ERR_CONNECT_TIMEOUT']);

export function forwardRequest(upstream: Dispatcher, req: IncomingMessage, res: ServerResponse, options: AttemptOptions): Promise<AttemptOutcome> {
  return new Promise((resolve) => {
    const t0 = performance.now();
    // Node drops req.socket once the exchange is over; keep our own handle to ask whether the client left.
    const clientSocket = req.socket;
    let controller: Dispatcher.DispatchController | undefined;
    let startedAt: number | undefined;
    let responded = false;
    let status = 0;
    let bytes = 0;
    let settled = false;

    const timings = () => {
      const end = performance.now();
      return startedAt === undefined ? {} : { connectMs: startedAt - t0, serviceMs: end - startedAt };
    };
    const settle = (outcome: AttemptOutcome) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      res.off('close', onClientClose);
      resolve(outcome);
    };
    const fail = (code: RouterErrorCode, error?: Error) => {
      if (settled) return;
      const outcome: AttemptOutcome = { kind: 'failed', code, responded, status: responded ? status : routerErrors[code].status, bytes, ...timings(), ...(error ? { error } : {}) };
      // Settle before aborting: undici reports the abort back through onResponseError at once.
      settle(outcome);
      controller?.abort(error ?? new Error(routerErrors[code].desc));
    };

    const timer = setTimeout(() => fail('H12'), options.timeoutMs);
    const onClientClose = () => {
      if (!res.writableFinished) fail('H27');
    };
    res.on('close', onClientClose);

    const handler: Dispatcher.DispatchHandler = {
      onRequestStart(c) {
        controller = c;
        // Settled while still connecting (timeout, client gone): drop the request unsent.
        if (settled) return c.abort(new Error('request no longer wanted'));
        startedAt = performance.now();
      },
      onResponseStart(c, statusCode, headers, statusMessage) {
        if (settled || statusCode < 200) return;
        clearTimeout(timer);
        try {
          // HTTP/2 has no reason phrase (RFC 9113 §8.3.2).
          const reason = req.httpVersionMajor >= 2 ? undefined : statusMessage || undefined;
          res.writeHead(statusCode, reason, clientResponseHeaders(headers));
        } catch (error) {
          // A header Node will not emit; nothing went out yet, so an error page still can.
          return fail('H99', error as Error);
        }
        responded = true;
        status = statusCode;
      },
      onResponseData(c, chunk) {
        if (settled) return;
        bytes += chunk.length;
        if (!res.write(chunk)) {
          c.pause();
          res.once('drain', () => c.resume());
        }
      },
      onResponseEnd() {
        if (settled) return;
        res.end();
        const t = timings();
        settle({ kind: 'done', status, bytes, connectMs: t.connectMs ?? 0, serviceMs: t.serviceMs ?? 0 });
      },
      onResponseError(_c, error) {
        if (settled) return;
        const code = (error as NodeJS.ErrnoException).code ?? '';
        if (clientSocket.destroyed) return fail('H27', error);
        if (startedAt === undefined && CONNECT_ERRORS.has(code)) return settle({ kind: 'unsent', error, gone: GONE_ERRORS.has(code) });
        if (startedAt === undefined) return fail('H99', error);
        if (responded) {
          // The status line is out; all that is left is to cut the client off so it sees a broken response.
          res.destroy();
          return fail(code === 'UND_ERR_BODY_TIMEOUT' ? 'H15' : 'H18', error);
        }
        // No response yet: closed while we were still sending the body (H18) or after (H13).
        const bodySent = !options.hasBody || req.readableEnded;
        fail(bodySent ? 'H13' : 'H18', error);
      },
    };

    upstream.dispatch(
      { path: req.url ?? '/', method: (req.method ?? 'GET') as Dispatcher.HttpMethod, headers: options.headers, body: options.hasBody ? req : null },
      handler,
    );
  });
}
