// Header hygiene at the proxy boundary: hop-by-hop headers stripped, X-Forwarded-* set by us alone.
import type { IncomingHttpHeaders, IncomingMessage } from 'node:http';

// RFC 9110 §7.6.1 connection-specific headers, plus the legacy Proxy-Connection.
const HOP_BY_HOP = new Set(['connection', 'keep-alive', 'proxy-connection', 'te', 'trailer', 'transfer-encoding', 'upgrade']);

/**
 * Headers the client may not choose for the app: the router is the only source of
 * truth for who the client is and which request this is.
 */
const ROUTER_OWNED = new Set(['x-forwarded-for', 'x-forwarded-proto', 'x-forwarded-port', 'x-forwarded-host', 'forwarded', 'x-request-id']);

/** Lowercase names listed in Connection headers; those are hop-by-hop too. */
function connectionTokens(values: (string | undefined)[]): Set<string> {
  const tokens = new Set<string>();
  for (const value of values) {
    if (!value) continue;
    for (const t of value.split(',')) tokens.add(t.trim().toLowerCase());
  }
  return tokens;
}

const isHopByHop = (name: string, listed: Set<string>): boolean =>
  HOP_BY_HOP.has(name) || name.startsWith('proxy-') || listed.has(name);

/** Whether the request came over the router's TLS listener. */
export const isEncrypted = (req: IncomingMessage): boolean => 'encrypted' in req.socket && req.socket.encrypted === true;

export function clientAddress(req: IncomingMessage): string {
  const address = req.socket.remoteAddress ?? '';
  // Dual-stack sockets report IPv4 clients as `::ffff:1.2.3.4`; apps expect the plain form.
  return address.startsWith('::ffff:') ? address.slice(7) : address;
}

export interface ForwardOptions {
  requestId: string;
  /** Keep Connection/Upgrade: the websocket path forwards the upgrade handshake itself. */
  upgrade?: boolean;
  /**
   * Drop `Expect`: Node's server already answered `100-continue` to the client, and
   * undici refuses to send the header.
   */
  dropExpect?: boolean;
}

/** The request headers for the upstream, as a flat `[name, value, …]` list in the client's order. */
export function upstreamRequestHeaders(req: IncomingMessage, options: ForwardOptions): string[] {
  const raw = req.rawHeaders;
  const listed = connectionTokens(raw.filter((_, i) => i % 2 === 1 && raw[i - 1]?.toLowerCase() === 'connection'));
  if (options.upgrade) listed.delete('upgrade');
  const out: string[] = [];
  // HTTP/2 clients name the host in `:authority`; the HTTP/1.1 backend needs a Host header.
  const authority = req.headers[':authority'];
  if (req.headers.host === undefined && typeof authority === 'string') out.push('Host', authority);
  for (let i = 0; i + 1 < raw.length; i += 2) {
    const name = raw[i] as string;
    const value = raw[i + 1] as string;
    const lower = name.toLowerCase();
    // HTTP/2 pseudo-headers (`:path`, `:authority`, ...) are the request line, not headers.
    if (lower.startsWith(':')) continue;
    if (ROUTER_OWNED.has(lower)) continue;
    if (options.dropExpect && lower === 'expect') continue;
    if (options.upgrade && lower === 'upgrade') {
      out.push(name, value);
      continue;
    }
    if (isHopByHop(lower, listed)) continue;
    out.push(name, value);
  }
  if (options.upgrade) out.push('Connection', 'Upgrade');
  const local = req.socket.localPort;
  out.push(
    'X-Forwarded-For', clientAddress(req),
    // The router terminates TLS: a request that came over it was https, whatever the app is spoken to in.
    'X-Forwarded-Proto', isEncrypted(req) ? 'https' : 'http',
    'X-Forwarded-Port', String(local ?? ''),
    'X-Request-Id', options.requestId,
  );
  return out;
}

/** The upstream's response headers minus hop-by-hop ones; Node's server frames the response itself. */
export function clientResponseHeaders(headers: IncomingHttpHeaders | Record<string, string | string[] | undefined>): Record<string, string | string[]> {
  const connection = headers['connection'];
  const listed = connectionTokens(Array.isArray(connection) ? connection : [connection]);
  const out: Record<string, string | string[]> = {};
  for (const [name, value] of Object.entries(headers)) {
    if (value === undefined) continue;
    const lower = name.toLowerCase();
    if (isHopByHop(lower, listed)) continue;
    out[lower] = value;
  }
  return out;
}
