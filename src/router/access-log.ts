// Heroku's router log line: one per request, into the app's own log stream.
import { routerErrors, type RouterErrorCode } from './router-errors.js';

export interface AccessRecord {
  /** Set for failed requests: the line becomes `at=error code=… desc="…"`. */
  code?: RouterErrorCode;
  method: string;
  path: string;
  host: string;
  requestId: string;
  fwd: string;
  /** `web.1`; empty when no instance was chosen (H10, H14, maintenance). */
  dyno: string;
  /** Undefined when no connection was attempted; printed empty, as Heroku does. */
  connectMs?: number;
  serviceMs?: number;
  status: number;
  bytes: number;
  protocol: 'http' | 'https';
}

// Path and client address come from the client; escaping keeps one request on one parseable line.
const quote = (s: string): string => '"' + s.replace(/[\\"]/g, (c) => '\\' + c).replace(/[\x00-\x1f\x7f]/g, (c) => encodeURIComponent(c)) + '"';
const ms = (n: number | undefined): string => (n === undefined ? '' : `${Math.round(n)}ms`);

export function formatAccessLine(r: AccessRecord): string {
  const head = r.code ? `at=error code=${r.code} desc=${quote(routerErrors[r.code].desc)}` : 'at=info';
  return (
    `${head} method=${r.method} path=${quote(r.path)} host=${r.host} request_id=${r.requestId} fwd=${quote(r.fwd)} ` +
    `dyno=${r.dyno} connect=${ms(r.connectMs)} service=${ms(r.serviceMs)} status=${r.status} bytes=${r.bytes} protocol=${r.protocol}`
  );
}
