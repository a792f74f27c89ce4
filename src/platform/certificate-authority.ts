// Berth's own certificate authority (openssl, argv only): it signs the certificate of the image
// registry Berth runs, and swarm nodes trust the CA (not the certificate), so a renewed
// certificate needs no change on the nodes and no node is ever told to skip verification.
import { existsSync } from 'node:fs';
import { chmod, mkdir, rm, writeFile } from 'node:fs/promises';
import { isIP } from 'node:net';
import { join } from 'node:path';
import { run } from './exec.js';

export interface CertificateAuthorityFiles {
  /** The CA certificate: what nodes install (/etc/docker/certs.d/<host:port>/ca.crt). */
  certFile: string;
  keyFile: string;
}

const openssl = async (args: string[]): Promise<void> => {
  const r = await run('openssl', args, { env: { PATH: process.env.PATH } });
  if (r.code !== 0) throw new Error(`openssl ${args[0]} failed: ${r.stderr.trim().split('\n').at(-1) ?? ''}`);
};

/** Makes the CA in dir once (RSA 3072, ten years, key 0600) and keeps it afterwards. */
export async function ensureCertificateAuthority(dir: string, commonName: string): Promise<CertificateAuthorityFiles> {
  const ca = { certFile: join(dir, 'ca.crt'), keyFile: join(dir, 'ca.key') };
  if (existsSync(ca.certFile) && existsSync(ca.keyFile)) return ca;
  await mkdir(dir, { recursive: true, mode: 0o700 });
  await openssl(['req', '-x509', '-newkey', 'rsa:3072', '-nodes', '-sha256', '-days', '3650', '-subj', `/CN=${commonName}`,
    '-addext', 'basicConstraints=critical,CA:TRUE', '-addext', 'keyUsage=critical,keyCertSign,cRLSign',
    '-keyout', ca.keyFile, '-out', ca.certFile]);
  await chmod(ca.keyFile, 0o600);
  return ca;
}

/** A server certificate signed by the CA, valid for hosts (names or addresses); made anew each call. */
export async function issueServerCertificate(ca: CertificateAuthorityFiles, out: { certFile: string; keyFile: string }, hosts: readonly string[]): Promise<void> {
  const csr = `${out.certFile}.csr`;
  const ext = `${out.certFile}.ext`;
  try {
    await openssl(['req', '-newkey', 'rsa:2048', '-nodes', '-sha256', '-subj', `/CN=${hosts[0] ?? 'berth'}`, '-keyout', out.keyFile, '-out', csr]);
    await chmod(out.keyFile, 0o600);
    await writeFile(ext, `subjectAltName=${hosts.map((h) => (isIP(h) ? `IP:${h}` : `DNS:${h}`)).join(',')}\nextendedKeyUsage=serverAuth\n`);
    await openssl(['x509', '-req', '-in', csr, '-CA', ca.certFile, '-CAkey', ca.keyFile, '-CAcreateserial', '-days', '825', '-sha256', '-extfile', ext, '-out', out.certFile]);
  } finally {
    await Promise.all([rm(csr, { force: true }), rm(ext, { force: true })]);
  }
}
