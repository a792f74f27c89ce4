// Answers the ACME CA's HTTP-01 validation, `GET /.well-known/acme-challenge/<token>` on plain HTTP,
// for any hostname Berth has an order under way for, before the request is routed to an app (an
// app could not answer it, and an https redirect must not get in the way). The answer comes from the
// API process that placed the order, asked over its internal endpoint with the internal token: a
// challenge only matters while that API process waits on its order, so nothing needs to outlive it
// in the router (unlike routes, which must keep serving while the API is down).
import { request, type IncomingMessage, type ServerResponse } from 'node:http';
import { INTERNAL_TOKEN_HEADER } from '../domain/internal-protocol.js';
import { hostName } from './host-name.js';

const PREFIX = '/.well-known/acme-challenge/';
/** RFC 8555 §8.1: a token is base64url. */
const TOKEN = /^[A-Za-z0-9_-]{1,256}$/;
const LOOKUP_TIMEOUT_MS = 5_000;

/** The key authorization for this token on this host, or undefined when none is pending. */
export type AcmeChallengeLookup = (host: string, token: string) => Promise<string | undefined>;

/** Asks the API's `GET /internal/acme-challenges/<token>?host=…`. */
export function internalAcmeChallengeLookup(apiUrl: string, internalToken: string): AcmeChallengeLookup {
  return (host, token) => new Promise((resolve, reject) => {
    const url = new URL(`/internal/acme-challenges/${token}`, apiUrl);
    url.searchParams.set('host', host);
    const req = request(url, { headers: { [INTERNAL_TOKEN_HEADER]: internalToken }, timeout: LOOKUP_TIMEOUT_MS }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => { if (body.length < 4096) body += chunk; });
      res.on('error', reject);
      res.on('end', () => (res.statusCode === 200 ? resolve(body) : res.statusCode === 404 ? resolve(undefined) : reject(new Error(`the API answered ${res.statusCode}`))));
    });
    req.on('timeout', () => req.destroy(new Error('the API did not answer in time')));
    req.on('error', reject);
    req.end();
  });
}

/** True when the request is an ACME challenge, which this answers (200 with the key authorization, or 404). */
export function answerAcmeChallenge(lookup: AcmeChallengeLookup, req: IncomingMessage, res: ServerResponse, onError: (e: Error) => void): boolean {
  // On every request: one prefix test before anything else.
  const url = req.url ?? '';
  if (!url.startsWith(PREFIX) || req.method !== 'GET') return false;
  const token = url.slice(PREFIX.length).split('?')[0]!;
  const host = hostName(req.headers.host);
  const notFound = () => res.writeHead(404, { 'Content-Type': 'text/plain' }).end('no such challenge\n');
  if (!host || !TOKEN.test(token)) return notFound(), true;
  lookup(host, token).then(
    (answer) => (answer === undefined ? notFound() : res.writeHead(200, { 'Content-Type': 'text/plain' }).end(answer)),
    (e: Error) => {
      onError(e);
      if (!res.headersSent) res.writeHead(503, { 'Content-Type': 'text/plain' }).end('challenge lookup failed\n');
    },
  );
  return true;
}
