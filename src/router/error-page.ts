// Plain pages the router answers with itself: application errors, maintenance, unknown app.
import { STATUS_CODES, type ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import { routerErrors, type RouterErrorCode } from './router-errors.js';

export interface ErrorPage {
  status: number;
  body: string;
}

const page = (title: string, text: string, footer: string): string =>
  `<!DOCTYPE html>\n<html><head><meta charset="utf-8"><title>${title}</title></head>\n` +
  `<body><h1>${title}</h1><p>${text}</p><p><small>${footer}</small></p></body></html>\n`;

export function routerErrorPage(code: RouterErrorCode, requestId: string): ErrorPage {
  const { status } = routerErrors[code];
  if (code === 'H80') {
    return {
      status,
      body: page('Offline for maintenance', 'This app is undergoing maintenance right now. Please check back later.', `request id ${requestId}`),
    };
  }
  return {
    status,
    body: page(
      'Application error',
      'An error occurred in the application and your page could not be served. If you are the application owner, check your logs for details.',
      `${code} · request id ${requestId}`,
    ),
  };
}

/** A request the router will not route at all (H25 in the log, as Heroku's router logs malformed requests). */
export function badRequestPage(reason: string, requestId: string): ErrorPage {
  return { status: 400, body: page('Bad request', reason.replace(/[<>&]/g, ''), `H25 · request id ${requestId}`) };
}

/**
 * A TLS connection whose certificate is one app's, asked for another app's host (RFC 9110 §15.5.20:
 * 421, the client retries on a connection of its own); an app's certificate never fronts another's content.
 */
export function misdirectedRequestPage(requestId: string): ErrorPage {
  return { status: 421, body: page('Misdirected request', 'This connection is for another hostname; connect again for this one.', `request id ${requestId}`) };
}

export function noSuchAppPage(requestId: string): ErrorPage {
  return { status: 404, body: page('No such app', 'There is no app configured at that hostname.', `request id ${requestId}`) };
}

/** Writes the page and returns the body bytes sent, for the access log. */
export function sendPage(res: ServerResponse, { status, body }: ErrorPage): number {
  const bytes = Buffer.byteLength(body);
  res.writeHead(status, {
    'content-type': 'text/html; charset=utf-8',
    'content-length': bytes,
    'cache-control': 'no-cache, no-store',
  });
  res.end(body);
  return bytes;
}

/** The same page on a raw socket, for upgrade requests that never became an HTTP response object. */
export function sendRawPage(socket: Duplex, { status, body }: ErrorPage, requestId: string): number {
  const bytes = Buffer.byteLength(body);
  socket.end(
    `HTTP/1.1 ${status} ${STATUS_CODES[status] ?? 'Error'}\r\n` +
      `Content-Type: text/html; charset=utf-8\r\nContent-Length: ${bytes}\r\nCache-Control: no-cache, no-store\r\n` +
      `X-Request-Id: ${requestId}\r\nConnection: close\r\n\r\n${body}`,
  );
  return bytes;
}
