// A self-signed certificate made with openssl (argv only), for servers that must speak TLS before
// an operator has given them a real certificate: PostgreSQL add-ons (clients insisting on
// sslmode=require) and the one-off rendezvous (the heroku CLI only attaches over TLS).
import { X509Certificate } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { chmod, mkdir, rename, rm } from 'node:fs/promises';
import { isIP } from 'node:net';
import { dirname } from 'node:path';
import { run } from './exec.js';

export interface CertificateRequest {
  certFile: string;
  keyFile: string;
  commonName: string;
  /** Names and addresses it must be valid for (subjectAltName); none for a certificate nobody verifies. */
  hosts?: readonly string[];
}

export type CertificateResult = { ok: true; created: boolean } | { ok: false; reason: string };

/**
 * Makes the pair once (RSA 2048, ten years, key 0600) and keeps it while it covers every host asked
 * for; a host it does not cover (the API's public name changed) makes a new one. Never throws:
 * without openssl the caller runs without TLS and says why.
 */
export async function ensureSelfSignedCertificate(req: CertificateRequest): Promise<CertificateResult> {
  const hosts = req.hosts ?? [];
  if (existsSync(req.certFile) && existsSync(req.keyFile) && covers(req.certFile, hosts)) return { ok: true, created: false };
  await mkdir(dirname(req.certFile), { recursive: true });
  // Written beside the final names and moved in, so a reader never meets half a pair.
  const tmpCert = `${req.certFile}.new`;
  const tmpKey = `${req.keyFile}.new`;
  const args = ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-sha256', '-days', '3650',
    '-subj', `/CN=${req.commonName}`, '-keyout', tmpKey, '-out', tmpCert];
  if (hosts.length > 0) args.push('-addext', `subjectAltName=${hosts.map(altName).join(',')}`);
  const r = await run('openssl', args, { env: { PATH: process.env.PATH } })
    .catch((e: Error) => ({ code: 1, stdout: '', stderr: e.message }));
  if (r.code !== 0 || !existsSync(tmpCert) || !existsSync(tmpKey)) {
    await Promise.all([rm(tmpCert, { force: true }), rm(tmpKey, { force: true })]);
    return { ok: false, reason: `openssl failed: ${r.stderr.trim().split('\n').at(-1) ?? ''}` };
  }
  await chmod(tmpKey, 0o600);
  await rename(tmpKey, req.keyFile);
  await rename(tmpCert, req.certFile);
  return { ok: true, created: true };
}

function altName(host: string): string {
  return isIP(host) ? `IP:${host}` : `DNS:${host}`;
}

function covers(certFile: string, hosts: readonly string[]): boolean {
  if (hosts.length === 0) return true;
  try {
    const cert = new X509Certificate(readFileSync(certFile));
    return hosts.every((h) => (isIP(h) ? cert.checkIP(h) : cert.checkHost(h)) !== undefined);
  } catch {
    return false; // unreadable: make a new one
  }
}
