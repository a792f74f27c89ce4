// A self-signed certificate for the cluster, so clients that insist on TLS connect: Heroku's
// DATABASE_URL requires it, and the heroku CLI's pg:psql sets PGSSLMODE=require for any host but
// `localhost`, as do apps written for Heroku (`ssl: { rejectUnauthorized: false }`). Plain
// connections keep working (pg_hba uses `host`, not `hostssl`). The certificate is not verifiable
// (sslmode=verify-* fails): it encrypts, it does not prove who the server is.
import { chown } from 'node:fs/promises';
import { join } from 'node:path';
import type { Logger } from '../../../platform/logger.js';
import { ensureSelfSignedCertificate } from '../../../platform/self-signed-certificate.js';
import type { ServiceAccount } from '../../service-account.js';

export const CERT_FILE = 'server.crt';
export const KEY_FILE = 'server.key';

/**
 * Makes `server.crt`/`server.key` in the data directory once, owned by the server's user (the key
 * 0600, as PostgreSQL demands). Returns whether TLS can be switched on; without openssl the
 * cluster runs without TLS and says so in the log.
 */
export async function ensureServerCertificate(dataDir: string, account: ServiceAccount, logger: Logger): Promise<boolean> {
  const cert = join(dataDir, CERT_FILE);
  const key = join(dataDir, KEY_FILE);
  const made = await ensureSelfSignedCertificate({ certFile: cert, keyFile: key, commonName: 'berth-postgresql' });
  if (!made.ok) {
    logger.warn('postgresql-tls-unavailable', { reason: made.reason, effect: 'clients requiring sslmode=require cannot connect' });
    return false;
  }
  if (made.created && account.uid !== undefined) {
    for (const f of [cert, key]) await chown(f, account.uid, account.gid ?? account.uid);
  }
  return true;
}
