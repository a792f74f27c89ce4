// Over TLS, the name a connection was opened for (SNI) chose its certificate. When that name is a
// custom domain of one app, the connection is that app's: a request on it for another app's host is
// misdirected (RFC 9110 §15.5.20, 421), so an app's certificate never fronts another app's content
// (domain fronting, HTTP/2 connection coalescing).
import type { IncomingMessage } from 'node:http';
import type { TLSSocket } from 'node:tls';
import { isEncrypted } from './forwarded-headers.js';
import type { RouteTable } from './route-table.js';

export function isMisdirected(routes: RouteTable, req: IncomingMessage, appId: string): boolean {
  if (!isEncrypted(req)) return false;
  const servername = (req.socket as TLSSocket).servername;
  const connectionApp = typeof servername === 'string' ? routes.customDomainApp(servername) : undefined;
  return connectionApp !== undefined && connectionApp !== appId;
}
