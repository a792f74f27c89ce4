// A self-signed certificate for the cluster, so clients that insist on TLS connect: Heroku's
// DATABASE_URL requires it, and the heroku CLI's pg:psql sets PGSSLMODE=require for any host but
// `localhost`, as do apps written for Heroku (`ssl: { rejectUnauthorized: false }`). Plain
// connections keep working (pg_hba uses `host`, not `hostssl`). The certificate is not verifiable
// (sslmode=verify-* fails): it encrypts, it does not prove who the server is.
import { chmod, chown } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { run } from '../../../platform/exec.js';
import type { Logger } from '../../../platform/logger.js';
import type { ServiceAccount } from '../../service-account.js';

export const CERT_FILE = 'server.crt';
export const KEY_FILE = 'server.key';

/**
 * Makes `server.crt`/`server.key` in the data directory once (openssl, RSA 2048, ten years),
 * owned by the server's user, the key 0600 as PostgreSQL demands. Returns whether TLS can be
 * switched on; without openssl the cluster runs without TLS and says so in the log.
 */
export async function ensureServerCertificate(dataDir: string, account: ServiceAccount, logger: Logger): Promise<boolean> {
  const cert = join(dataDir, CERT_FILE);
  const key = join(dataDir, KEY_FILE);
  if (existsSync(cert) && existsSync(key)) return true;
  const r = await run('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-sha256', '-days', '3650',
    '-subj', '/CN=berth-postgresql', '-keyout', key, '-out', cert], { env: { PATH: process.env.PATH } })
    .catch((e: Error) => ({ code: 1, stdout: '', stderr: e.message }));
  if (r.code !== 0 || !existsSync(cert) || !existsSync(key)) {
    logger.warn('postgresql-tls-unavailable', { reason: `openssl failed: ${r.stderr.trim().split('\n').at(-1) ?? ''}`, effect: 'clients requiring sslmode=require cannot connect' });
    return false;
  }
  await chmod(key, 0o600);
  if (account.uid !== undefined) {
    for (const f of [cert, key]) await chown(f, account.uid, account.gid ?? account.uid);
  }
  return true;
}
