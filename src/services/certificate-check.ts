// Checks a certificate chain and private key before Berth serves them (certs:add, certs:update,
// ACME installs), with an error that says what is wrong: parsed by node's crypto.X509Certificate,
// no hand-written ASN.1.
import { createPrivateKey, X509Certificate, type KeyObject } from 'node:crypto';
import { rootCertificates } from 'node:tls';
import { BerthError } from '../domain/errors.js';

export interface CheckedCertificate {
  /** The chain as it will be served: leaf first, PEM blocks normalised. */
  certificateChain: string;
  privateKey: string;
  /** The leaf's DNS names (subjectAltName, else its common name), lower case. */
  hostnames: string[];
  startsAt: string;
  expiresAt: string;
  subject: string;
  issuer: string;
  /** The chain ends at a root the system trusts (Heroku's `ca_signed?`). */
  caSigned: boolean;
  selfSigned: boolean;
}

const PEM_CERTIFICATE = /-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g;
const invalid = (message: string) => new BerthError('invalid_params', message, 'sni-endpoint');

let systemRoots: X509Certificate[] | undefined;
const trustedRoots = (): X509Certificate[] => (systemRoots ??= rootCertificates.map((pem) => new X509Certificate(pem)));

/**
 * Throws `invalid_params` naming the first problem; `now` (ms) is the injected clock's time.
 * `fromAcmeCa`: the chain is the one the operator's ACME CA issued (leaf and intermediates, never its
 * root); whoever trusts that CA has the root, so the chain need not end at one this machine trusts.
 */
export function checkCertificate(pem: { certificateChain: unknown; privateKey: unknown }, now: number, opts: { fromAcmeCa?: boolean } = {}): CheckedCertificate {
  if (typeof pem.certificateChain !== 'string' || typeof pem.privateKey !== 'string') throw invalid('Give certificate_chain and private_key as PEM text.');
  const blocks = pem.certificateChain.match(PEM_CERTIFICATE) ?? [];
  if (blocks.length === 0) throw invalid('certificate_chain holds no PEM certificate (-----BEGIN CERTIFICATE-----).');
  const chain = blocks.map((b, i) => {
    try {
      return new X509Certificate(b);
    } catch (e) {
      throw invalid(`Certificate ${i + 1} of the chain cannot be read: ${(e as Error).message}.`);
    }
  });
  let key: KeyObject;
  try {
    key = createPrivateKey(pem.privateKey);
  } catch {
    throw invalid('private_key cannot be read: give an unencrypted PEM private key.');
  }
  const leaf = chain[0]!;
  if (!leaf.checkPrivateKey(key)) throw invalid('The private key does not match the certificate (the first one of the chain).');
  for (const [i, c] of chain.entries()) {
    const label = i === 0 ? 'The certificate' : `Certificate ${i + 1} of the chain (${c.subject.replace(/\n/g, ', ')})`;
    if (Date.parse(c.validFrom) > now) throw invalid(`${label} is not valid before ${new Date(c.validFrom).toISOString()}.`);
    if (Date.parse(c.validTo) <= now) throw invalid(`${label} expired on ${new Date(c.validTo).toISOString()}.`);
  }
  // Each certificate must be signed by the next one; the last must be a root (signed by itself) or
  // be signed by a root the system trusts. A missing intermediate breaks clients that do not fetch it.
  for (let i = 0; i + 1 < chain.length; i++) {
    if (!signedBy(chain[i]!, chain[i + 1]!)) throw invalid(`The chain is out of order or incomplete: certificate ${i + 1} is not signed by certificate ${i + 2}.`);
  }
  const last = chain.at(-1)!;
  const selfSigned = signedBy(last, last);
  const trustedIssuer = trustedRoots().find((root) => signedBy(last, root));
  if (!selfSigned && !trustedIssuer && !opts.fromAcmeCa) {
    throw invalid(`The chain is incomplete: it ends at a certificate issued by ${last.issuer.replace(/\n/g, ', ')}, which is not in the chain. Append the intermediate and root certificates.`);
  }
  const hostnames = dnsNames(leaf);
  if (hostnames.length === 0) throw invalid('The certificate names no host (no DNS subjectAltName and no common name).');
  return {
    certificateChain: blocks.join('\n') + '\n',
    privateKey: key.export({ type: 'pkcs8', format: 'pem' }).toString(),
    hostnames,
    startsAt: new Date(leaf.validFrom).toISOString(),
    expiresAt: new Date(leaf.validTo).toISOString(),
    ...describeCertificates(chain),
  };
}

/** What Heroku shows of a stored chain (subject, issuer, trust), read without the validity checks. */
export function describeChain(certificateChain: string): Pick<CheckedCertificate, 'subject' | 'issuer' | 'caSigned' | 'selfSigned'> {
  return describeCertificates((certificateChain.match(PEM_CERTIFICATE) ?? []).map((b) => new X509Certificate(b)));
}

function describeCertificates(chain: X509Certificate[]): Pick<CheckedCertificate, 'subject' | 'issuer' | 'caSigned' | 'selfSigned'> {
  const leaf = chain[0]!;
  const last = chain.at(-1)!;
  const caSigned = trustedRoots().some((root) => root.fingerprint256 === last.fingerprint256 || signedBy(last, root));
  return { subject: slashForm(leaf.subject), issuer: slashForm(leaf.issuer), caSigned, selfSigned: chain.length === 1 && signedBy(leaf, leaf) };
}

function signedBy(cert: X509Certificate, issuer: X509Certificate): boolean {
  return cert.checkIssued(issuer) && cert.verify(issuer.publicKey);
}

function dnsNames(leaf: X509Certificate): string[] {
  const san = leaf.subjectAltName;
  const names = san ? san.split(/,\s*/).filter((n) => n.startsWith('DNS:')).map((n) => n.slice(4).toLowerCase()) : [];
  if (names.length > 0) return [...new Set(names)];
  const cn = /(?:^|\n)CN=([^\n]+)/.exec(leaf.subject)?.[1];
  return cn ? [cn.toLowerCase()] : [];
}

/** `/C=US/O=Example/CN=www.example.com`: how Heroku prints a subject or issuer. */
function slashForm(name: string): string {
  return name.split('\n').filter(Boolean).map((part) => '/' + part).join('');
}
