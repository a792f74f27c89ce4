// The rules of an app's custom domains (`domains:add`): which hostnames may be added, and which
// hostnames a domain or a certificate name covers. One rule, read by the API, the certificate
// checks and the router alike.
import { isIP } from 'node:net';
import { BerthError } from './errors.js';

/** RFC 1123 label: letters, digits and inner hyphens, at most 63 characters. */
const LABEL = /^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$/;

/**
 * The hostname as stored (lower case, no trailing dot), or an `invalid_params` error saying why not.
 * A wildcard is `*.` followed by at least two labels (`*.example.com`, never `*.com`). Names under
 * the base domain are Berth's own (`APP.BASE`): an app may not take another app's default name.
 */
export function customHostname(input: unknown, baseDomain: string): string {
  if (typeof input !== 'string' || input.trim() === '') throw invalid('A domain needs a hostname, e.g. www.example.com.');
  let host = input.trim().toLowerCase();
  if (host.endsWith('.')) host = host.slice(0, -1);
  if (host.length > 253) throw invalid(`${input} is longer than the 253 characters a hostname may have.`);
  if (isIP(host) !== 0 || host.startsWith('[')) throw invalid(`${input} is an IP address; a domain is a hostname.`);
  const wildcard = host.startsWith('*.');
  const labels = (wildcard ? host.slice(2) : host).split('.');
  if (labels.length < 2 || !labels.every((l) => LABEL.test(l))) {
    throw invalid(`${input} is not a valid hostname (RFC 1123: labels of letters, digits and hyphens${wildcard ? '' : ', or a wildcard *.example.com'}).`);
  }
  if (/^\d+$/.test(labels.at(-1)!)) throw invalid(`${input} is not a valid hostname: its last label is a number.`);
  const base = baseDomain.toLowerCase();
  const bare = wildcard ? host.slice(2) : host;
  if (bare === base || bare.endsWith('.' + base)) throw invalid(`${input} is under ${base}, Berth's own domain: apps get APP.${base} already.`);
  return host;
}

export const isWildcard = (hostname: string): boolean => hostname.startsWith('*.');

/**
 * Whether a pattern (a domain, or a certificate's DNS name) covers a hostname: the same name, or
 * `*.example.com` for exactly one more label (`a.example.com`, not `a.b.example.com` nor
 * `example.com`), as TLS clients match names (RFC 6125 §6.4.3).
 */
export function hostnameCovers(pattern: string, hostname: string): boolean {
  const p = pattern.toLowerCase();
  const h = hostname.toLowerCase();
  if (p === h) return true;
  if (!p.startsWith('*.')) return false;
  const dot = h.indexOf('.');
  return dot > 0 && h.slice(dot + 1) === p.slice(2);
}

function invalid(message: string): BerthError {
  return new BerthError('invalid_params', message, 'domain');
}
