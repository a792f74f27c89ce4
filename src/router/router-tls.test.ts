// The router over TLS, with real certificates from a test CA (openssl): each app's certificate by
// SNI, Berth's default certificate and the 404 page for a name no app has, HTTP/2 by ALPN, websockets
// over TLS, and the http-redirect / hsts features.
import { randomBytes, X509Certificate } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { connect as connectHttp2 } from 'node:http2';
import { request as httpsRequest } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connect as connectTls } from 'node:tls';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WebSocket, WebSocketServer, type ClientOptions } from 'ws';
import type { PublishedEdge } from '../domain/internal-protocol.js';
import { ensureCertificateAuthority, issueServerCertificate } from '../platform/certificate-authority.js';
import { silentLogger } from '../platform/logger.js';
import { SecretBox } from '../platform/secret-box.js';
import { ensureSelfSignedCertificate } from '../platform/self-signed-certificate.js';
import { RouteTable } from './route-table.js';
import { backendAt, route, send, startBackend, startRouter, type TestBackend, type TestRouter } from './router-test-kit.js';
import { TlsCertificates } from './tls-certificates.js';

let dir: string;
let ca: string;
let router: TestRouter;
const backends: TestBackend[] = [];
const box = SecretBox.fromKey(randomBytes(32));
const pems: Record<string, { cert: string; key: string }> = {};
let fallbackCert: string;
const routes = new RouteTable();

/** An app whose page says which app it is and what the router told it. */
async function app(name: string) {
  const backend = await startBackend((req, res) => {
    res.writeHead(200, { 'Content-Type': 'application/json' });
    res.end(JSON.stringify({ app: name, host: req.headers.host, proto: req.headers['x-forwarded-proto'], port: req.headers['x-forwarded-port'], method: req.method }));
  });
  new WebSocketServer({ server: backend.server }).on('connection', (ws, req) => {
    ws.send(JSON.stringify({ app: name, proto: req.headers['x-forwarded-proto'] }));
  });
  backends.push(backend);
  return route(name, [backendAt(backend.port)]);
}

const edge = (appId: string, hostname: string, features: Partial<Pick<PublishedEdge, 'httpRedirect' | 'hsts'>> = {}): PublishedEdge => ({
  appId, domains: [{ hostname, certificateId: null }], httpRedirect: false, hsts: false, ...features,
  certificates: [{ id: `cert-${hostname}`, hostnames: [hostname], certificateChain: pems[hostname]!.cert, sealedPrivateKey: box.seal(pems[hostname]!.key), expiresAt: '2099-01-01T00:00:00.000Z' }],
});

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'berth-router-tls-'));
  const authority = await ensureCertificateAuthority(join(dir, 'ca'), 'Berth test CA');
  ca = readFileSync(authority.certFile, 'utf8');
  for (const host of ['alpha.example.test', 'beta.example.test', 'gamma.example.test']) {
    const files = { certFile: join(dir, `${host}.crt`), keyFile: join(dir, `${host}.key`) };
    await issueServerCertificate(authority, files, [host]);
    pems[host] = { cert: readFileSync(files.certFile, 'utf8'), key: readFileSync(files.keyFile, 'utf8') };
  }
  const fallback = { certFile: join(dir, 'default.crt'), keyFile: join(dir, 'default.key'), commonName: 'berth-default' };
  expect(await ensureSelfSignedCertificate(fallback)).toMatchObject({ ok: true });
  fallbackCert = readFileSync(fallback.certFile, 'utf8');
  const [alpha, beta, gamma] = [await app('alpha'), await app('beta'), await app('gamma')];
  routes.replaceAll([alpha, beta, gamma], [
    edge(alpha.appId, 'alpha.example.test'),
    edge(beta.appId, 'beta.example.test', { hsts: true }),
    edge(gamma.appId, 'gamma.example.test', { httpRedirect: true }),
  ]);
  const certificates = new TlsCertificates({ routes, openKey: (s) => box.open(s), fallback: { cert: fallbackCert, key: readFileSync(fallback.keyFile, 'utf8') }, logger: silentLogger });
  router = await startRouter({ routes }, { port: 0, host: '127.0.0.1', certificates });
}, 60_000);

afterAll(async () => {
  await router?.stop();
  for (const b of backends) await b.close();
  rmSync(dir, { recursive: true, force: true });
});

/** One HTTPS/1.1 request naming `servername` in SNI and `host` in Host; the certificate it got too. */
function fetchTls(servername: string, host: string, path = '/', verify = true): Promise<{ status: number; body: string; headers: Record<string, unknown>; peer: X509Certificate }> {
  return new Promise((resolve, reject) => {
    const req = httpsRequest({ host: '127.0.0.1', port: router.httpsPort, path, servername, headers: { host }, ca, rejectUnauthorized: verify, agent: false }, (res) => {
      const peer = new X509Certificate((res.socket as import('node:tls').TLSSocket).getPeerCertificate().raw);
      let body = '';
      res.on('data', (c) => (body += c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body, headers: res.headers, peer }));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end();
  });
}

describe('the router over TLS', () => {
  it('serves each app its own certificate by SNI, two apps on one listener, and tells the app it was https', async () => {
    const alpha = await fetchTls('alpha.example.test', 'alpha.example.test');
    const beta = await fetchTls('beta.example.test', 'beta.example.test');
    expect(alpha.peer.subjectAltName).toBe('DNS:alpha.example.test');
    expect(beta.peer.subjectAltName).toBe('DNS:beta.example.test');
    expect(JSON.parse(alpha.body)).toEqual({ app: 'alpha', host: 'alpha.example.test', proto: 'https', port: String(router.httpsPort), method: 'GET' });
    expect(JSON.parse(beta.body)).toMatchObject({ app: 'beta', proto: 'https' });
  });

  it('gives a name no app has Berth\'s default certificate and the no-such-app page, never another app\'s', async () => {
    const unknown = await fetchTls('nobody.example.test', 'nobody.example.test', '/', false);
    expect(unknown.peer.fingerprint256).toBe(new X509Certificate(fallbackCert).fingerprint256);
    expect(unknown.status).toBe(404);
    expect(unknown.body).not.toContain('alpha');
    // No SNI at all (a bare IP): the default certificate too.
    const bare = await new Promise<X509Certificate>((resolve, reject) => {
      const socket = connectTls({ host: '127.0.0.1', port: router.httpsPort!, rejectUnauthorized: false }, () => {
        resolve(new X509Certificate(socket.getPeerCertificate().raw));
        socket.end();
      });
      socket.on('error', reject);
    });
    expect(bare.fingerprint256).toBe(new X509Certificate(fallbackCert).fingerprint256);
  });

  it('answers 421 when a connection made for one app\'s domain asks for another app\'s host', async () => {
    const fronted = await fetchTls('alpha.example.test', 'beta.example.test');
    expect(fronted.status).toBe(421);
    expect(fronted.body).not.toContain('"app"');
  });

  it('speaks HTTP/2 to a client that offers it (ALPN), proxied to the HTTP/1.1 app', async () => {
    const session = connectHttp2(`https://alpha.example.test:${router.httpsPort}`, { ca, servername: 'alpha.example.test', host: '127.0.0.1', port: router.httpsPort } as never);
    try {
      const { status, body } = await new Promise<{ status: number; body: string }>((resolve, reject) => {
        const stream = session.request({ ':path': '/h2', ':authority': 'alpha.example.test' });
        let status = 0;
        let body = '';
        stream.on('response', (h) => (status = Number(h[':status'])));
        stream.on('data', (c) => (body += c));
        stream.on('end', () => resolve({ status, body }));
        stream.on('error', reject);
        stream.end();
      });
      expect((session.socket as import('node:tls').TLSSocket).alpnProtocol).toBe('h2');
      expect(status).toBe(200);
      expect(JSON.parse(body)).toMatchObject({ app: 'alpha', host: 'alpha.example.test', proto: 'https' });
      expect(router.lines.some((l) => l.message.includes('path="/h2"') && l.message.includes('protocol=https'))).toBe(true);
    } finally {
      session.close();
    }
  });

  it('tunnels a websocket over TLS', async () => {
    const ws = new WebSocket(`wss://127.0.0.1:${router.httpsPort}/`, { headers: { host: 'beta.example.test' }, servername: 'beta.example.test', ca } as ClientOptions);
    try {
      const first = await new Promise<string>((resolve, reject) => {
        ws.once('message', (data) => resolve(String(data)));
        ws.once('error', reject);
      });
      expect(JSON.parse(first)).toEqual({ app: 'beta', proto: 'https' });
    } finally {
      ws.terminate();
    }
    // Not on a connection opened for another app's domain.
    const fronted = new WebSocket(`wss://127.0.0.1:${router.httpsPort}/`, { headers: { host: 'beta.example.test' }, servername: 'alpha.example.test', ca } as ClientOptions);
    const status = await new Promise<number>((resolve, reject) => {
      fronted.once('unexpected-response', (_req, res) => resolve(res.statusCode ?? 0));
      fronted.once('open', () => reject(new Error('opened')));
      fronted.once('error', reject);
    });
    fronted.terminate();
    expect(status).toBe(421);
  });

  it('redirects plain HTTP to HTTPS for an app with http-redirect (301 for GET, 308 for POST), and only for it', async () => {
    const get = await send(router.port, { host: 'gamma.example.test', path: '/a?b=1' });
    expect(get.status).toBe(301);
    expect(get.headers.location).toBe(`https://gamma.example.test:${router.httpsPort}/a?b=1`);
    const post = await send(router.port, { host: 'gamma.example.test', method: 'POST', body: 'x' });
    expect(post.status).toBe(308);
    // ACME's HTTP-01 challenges are not redirected: a certificate may be what the app is waiting for.
    expect((await send(router.port, { host: 'gamma.example.test', path: '/.well-known/acme-challenge/token' })).status).toBe(200);
    const plain = await send(router.port, { host: 'alpha.example.test' });
    expect(plain.status).toBe(200);
    expect(JSON.parse(plain.body.toString())).toMatchObject({ app: 'alpha', proto: 'http' });
    const overTls = await fetchTls('gamma.example.test', 'gamma.example.test');
    expect(overTls.status).toBe(200);
  });

  it('adds Strict-Transport-Security to HTTPS answers of an app with hsts, and not to plain HTTP or other apps', async () => {
    expect((await fetchTls('beta.example.test', 'beta.example.test')).headers['strict-transport-security']).toBe('max-age=31536000');
    expect((await fetchTls('alpha.example.test', 'alpha.example.test')).headers['strict-transport-security']).toBeUndefined();
    expect((await send(router.port, { host: 'beta.example.test' })).headers['strict-transport-security']).toBeUndefined();
  });
});
