// Requests the router refuses before routing, because front and back ends could read them differently.

import type { IncomingMessage } from 'node:http';

/** Why the request is malformed, as a sentence for the client; undefined when it is fine. */
export function malformedRequest(req: IncomingMessage): string | undefined {
  let hosts = 0;
  for (let i = 0; i < req.rawHeaders.length; i += 2) if (req.rawHeaders[i]!.toLowerCase() === 'host') hosts++;
  // Node keeps the first Host, an app's server may keep the last: which app is meant is ambiguous
  // (RFC 9112 §3.2 says answer 400).
  if (hosts > 1) return 'The request has more than one Host header.';
  // Absolute-form targets are for forward proxies; this router is not one.
  if (!req.url?.startsWith('/')) return 'The request target must be a path starting with /.';
  return undefined;
}
