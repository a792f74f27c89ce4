// Starts the one-off rendezvous (api/rendezvous-server.ts) beside the API: its certificate, its
// port, and the base URL the API hands out in `attach_url`. The heroku CLI verifies the
// certificate, so a user points it at Berth's (NODE_EXTRA_CA_CERTS=…/tls/rendezvous.crt).
import { readFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import type { AttachSessions } from '../api/attach-sessions.js';
import { rendezvousServer } from '../api/rendezvous-server.js';
import type { Logger } from '../platform/logger.js';
import { ensureSelfSignedCertificate } from '../platform/self-signed-certificate.js';
import type { OneOffDynos } from '../services/one-off-dynos.js';
import { exitForConfig, portInUseMessage, rendezvousPort } from './port-preflight.js';
import { listenServer } from './listen-server.js';

export interface Rendezvous {
  /** rendezvous://host:port, the base of every attach_url; undefined when it could not start. */
  url?: string;
  close(): Promise<void>;
}

export async function startRendezvous(o: {
  apiUrl: string; host: string; port: number; tlsDir: string;
  sessions: AttachSessions; oneOffs: OneOffDynos; logger: Logger;
}): Promise<Rendezvous> {
  const publicHost = new URL(o.apiUrl).hostname.replace(/^\[(.*)\]$/, '$1');
  const certFile = join(o.tlsDir, 'rendezvous.crt');
  const keyFile = join(o.tlsDir, 'rendezvous.key');
  // Valid for the name users reach the API by, and for this machine's own names.
  const hosts = [...new Set([publicHost, 'localhost', '127.0.0.1', '::1', hostname()])];
  const made = await ensureSelfSignedCertificate({ certFile, keyFile, commonName: publicHost, hosts });
  if (!made.ok) {
    o.logger.warn('rendezvous-unavailable', { reason: made.reason, effect: '`heroku run` cannot attach; `berth run` still can' });
    return { close: async () => undefined };
  }
  const server = rendezvousServer({ sessions: o.sessions, oneOffs: o.oneOffs, cert: readFileSync(certFile), key: readFileSync(keyFile), logger: o.logger });
  await listenServer(server, o.port, o.host).catch((e: NodeJS.ErrnoException) => {
    if (e.code === 'EADDRINUSE') exitForConfig(portInUseMessage(rendezvousPort(o.port, o.host)));
    throw e;
  });
  const { port } = server.address() as { port: number };
  const urlHost = publicHost.includes(':') ? `[${publicHost}]` : publicHost;
  o.logger.info('rendezvous-started', { port, certificate: certFile });
  return {
    url: `rendezvous://${urlHost}:${port}`,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}
