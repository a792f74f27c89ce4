// The API (and git smart HTTP, which is part of it) over TLS on BERTH_API_HTTPS_PORT, beside the
// plain listener: the same Fastify instance answers both, so every route, its auth and its limits
// are the same whichever door a request came in by. The certificate is the operator's
// (BERTH_API_TLS_CERT/KEY) or one Berth makes at first start and keeps in BERTH_HOME/tls/api.crt,
// whose SHA-256 fingerprint is printed so that users can check what `berth api:certificate` sees.
import { X509Certificate } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createServer } from 'node:https';
import { hostname } from 'node:os';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import type { Logger } from '../platform/logger.js';
import { ensureSelfSignedCertificate } from '../platform/self-signed-certificate.js';
import { exitForConfig, portInUseMessage, type ListenPort } from './port-preflight.js';
import { listenServer } from './listen-server.js';

export interface ApiHttps {
  url: string;
  /** The certificate served (PEM file) and its SHA-256 fingerprint, `AB:CD:…`. */
  certFile: string;
  fingerprint: string;
  close(): Promise<void>;
}

export const apiHttpsPort = (port: number, host: string): ListenPort => ({ port, host, what: 'the API over HTTPS', setting: 'BERTH_API_HTTPS_PORT' });

export async function startApiHttps(o: {
  api: FastifyInstance; apiUrl: string; host: string; port: number; tlsDir: string;
  operatorTls?: { certFile: string; keyFile: string }; logger: Logger;
}): Promise<ApiHttps> {
  const publicHost = new URL(o.apiUrl).hostname.replace(/^\[(.*)\]$/, '$1');
  let certFile = o.operatorTls?.certFile;
  let keyFile = o.operatorTls?.keyFile;
  if (!certFile || !keyFile) {
    certFile = join(o.tlsDir, 'api.crt');
    keyFile = join(o.tlsDir, 'api.key');
    // Valid for the name users reach the API by, and this machine's own names (git remotes use either).
    const made = await ensureSelfSignedCertificate({ certFile, keyFile, commonName: publicHost, hosts: [...new Set([publicHost, 'localhost', '127.0.0.1', '::1', hostname()])] });
    if (!made.ok) exitForConfig(`BERTH_API_HTTPS_PORT is set but Berth could not make its certificate (${made.reason}); name one with BERTH_API_TLS_CERT and BERTH_API_TLS_KEY.`);
    if (made.created) o.logger.info('api-certificate-created', { certificate: certFile });
  }
  const cert = readFileSync(certFile);
  const fingerprint = new X509Certificate(cert).fingerprint256;
  // Fastify's own server settings (no request timeout: a git push or a log tail may take long).
  const plain = o.api.server;
  const server = createServer({ cert, key: readFileSync(keyFile), requestTimeout: plain.requestTimeout, keepAliveTimeout: plain.keepAliveTimeout, headersTimeout: plain.headersTimeout });
  server.on('request', (req, res) => plain.emit('request', req, res));
  server.on('upgrade', (req, socket, head) => plain.emit('upgrade', req, socket, head));
  // A client that fails the handshake (it does not trust the certificate yet) is worth a line, not an error.
  server.on('tlsClientError', (e) => o.logger.info('api-tls-handshake-failed', { error: e.message }));
  await listenServer(server, o.port, o.host).catch((e: NodeJS.ErrnoException) => {
    if (e.code === 'EADDRINUSE') exitForConfig(portInUseMessage(apiHttpsPort(o.port, o.host)));
    throw e;
  });
  const { port } = server.address() as { port: number };
  const url = `https://${publicHost.includes(':') ? `[${publicHost}]` : publicHost}:${port}`;
  o.logger.info('api-https-started', { url, certificate: certFile, fingerprint });
  return {
    url, certFile, fingerprint,
    close: () => new Promise((resolve) => {
      server.close(() => resolve());
      server.closeAllConnections();
    }),
  };
}
