// A log drain: where an app's log stream is forwarded, and the one rule for which URLs may be drains.
import { BerthError } from './errors.js';
import type { Id } from './types.js';

export interface LogDrain {
  id: Id;
  appId: Id;
  url: string;
  /** Heroku's `d.<uuid>`: the syslog HOSTNAME and the HTTPS `Logplex-Drain-Token` of every frame sent. */
  token: string;
  createdAt: string;
  updatedAt: string;
}

export type DrainScheme = 'syslog' | 'syslog+tls' | 'https';

/** Where a drain delivers, as its URL says. */
export interface DrainTarget {
  scheme: DrainScheme;
  host: string;
  port: number;
  /** The URL itself (https: path, query and basic-auth user info are the receiver's business). */
  url: string;
}

const SCHEMES: readonly DrainScheme[] = ['syslog', 'syslog+tls', 'https'];
const DEFAULT_PORTS: Partial<Record<DrainScheme, number>> = { https: 443 };
export const MAX_DRAIN_URL_LENGTH = 2048;

export const drainToken = (uuid: string): string => `d.${uuid}`;

/**
 * `syslog://host:port`, `syslog+tls://host:port` or `https://host[:port]/path`. Syslog has no
 * well-known port on TCP that everyone uses (514 is UDP's), so as on Heroku the port is required.
 */
export function parseDrainUrl(raw: string): DrainTarget {
  const bad = (why: string) => new BerthError('invalid_params', `Invalid drain URL ${JSON.stringify(raw)}: ${why}.`, 'log-drain');
  if (typeof raw !== 'string' || raw.length === 0) throw bad('a URL is required');
  if (raw.length > MAX_DRAIN_URL_LENGTH) throw bad(`at most ${MAX_DRAIN_URL_LENGTH} characters`);
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw bad('not a URL');
  }
  const scheme = url.protocol.slice(0, -1) as DrainScheme;
  if (!SCHEMES.includes(scheme)) throw bad('the scheme must be syslog://, syslog+tls:// or https://');
  // WHATWG URL parsing gives non-special schemes (syslog) their host as written; an empty one is no host.
  const host = url.hostname.replace(/^\[(.*)\]$/, '$1');
  if (host === '') throw bad('a host is required');
  const port = url.port === '' ? DEFAULT_PORTS[scheme] : Number(url.port);
  if (port === undefined || !Number.isInteger(port) || port < 1 || port > 65535) throw bad('a port is required (syslog://host:port)');
  if (scheme !== 'https' && (url.pathname !== '' && url.pathname !== '/' || url.search !== '' || url.username !== '')) {
    throw bad('a syslog drain is only a host and a port');
  }
  return { scheme, host, port, url: url.href };
}
