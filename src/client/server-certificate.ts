// The certificate an HTTPS server presents, read without trusting it: how a user checks Berth's
// self-made API certificate against the fingerprint the server printed at start, and saves it for
// git (GIT_SSL_CAINFO) and Node (NODE_EXTRA_CA_CERTS).
import { X509Certificate } from 'node:crypto';
import { connect } from 'node:tls';

export interface PresentedCertificate {
  /** `AB:CD:…`, as the server prints it. */
  fingerprint256: string;
  pem: string;
  subjectAltName: string;
  validTo: string;
}

export function presentedCertificate(url: string, timeoutMs = 10_000): Promise<PresentedCertificate> {
  const u = new URL(url);
  if (u.protocol !== 'https:') return Promise.reject(new Error(`${url} is not an https:// URL`));
  const host = u.hostname.replace(/^\[(.*)\]$/, '$1');
  return new Promise((resolve, reject) => {
    // Not verified on purpose: this is the step where the user decides whether to trust it.
    const socket = connect({ host, port: Number(u.port || 443), servername: /^[\d.]+$|:/.test(host) ? undefined : host, rejectUnauthorized: false, timeout: timeoutMs }, () => {
      const raw = socket.getPeerCertificate().raw;
      socket.end();
      if (!raw) return reject(new Error(`${url} presented no certificate`));
      const cert = new X509Certificate(raw);
      resolve({ fingerprint256: cert.fingerprint256, pem: cert.toString(), subjectAltName: cert.subjectAltName ?? '', validTo: cert.validTo });
    });
    socket.on('timeout', () => socket.destroy(new Error(`${url} did not answer within ${timeoutMs} ms`)));
    socket.on('error', reject);
  });
}
