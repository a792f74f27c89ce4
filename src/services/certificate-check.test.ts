// The checks a certificate passes before Berth serves it, with certificates from a CA made here.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeTestCa, opensslTime, type TestCa } from '../../test/support/test-certificates.js';
import { checkCertificate } from './certificate-check.js';

let dir: string;
let ca: TestCa;
/** The time of the checks: once the CA exists (its root is valid from the second it was made). */
let now: number;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'berth-cert-check-'));
  ca = makeTestCa(dir);
  now = Date.now() + 1000;
}, 60_000);
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('checkCertificate', () => {
  it('takes a complete chain with its key: names, dates, subject and issuer as Heroku shows them', () => {
    const leaf = ca.leaf(['www.example.com', '*.shop.example.com']);
    const checked = checkCertificate({ certificateChain: leaf.chain, privateKey: leaf.key }, now);
    expect(checked.hostnames).toEqual(['www.example.com', '*.shop.example.com']);
    expect(checked.subject).toBe('/CN=www.example.com');
    expect(checked.issuer).toBe('/CN=Berth Test Intermediate');
    expect(checked.caSigned).toBe(false);
    expect(Date.parse(checked.expiresAt)).toBeGreaterThan(now);
  });

  it('refuses a key that is not the certificate\'s', () => {
    const a = ca.leaf(['a.example.com']);
    const b = ca.leaf(['b.example.com']);
    expect(() => checkCertificate({ certificateChain: a.chain, privateKey: b.key }, now)).toThrow(/private key does not match the certificate/);
  });

  it('refuses a chain missing its intermediate, or out of order', () => {
    const leaf = ca.leaf(['c.example.com']);
    expect(() => checkCertificate({ certificateChain: leaf.cert, privateKey: leaf.key }, now)).toThrow(/chain is incomplete: it ends at a certificate issued by CN=Berth Test Intermediate/);
    expect(() => checkCertificate({ certificateChain: leaf.cert + ca.root.cert, privateKey: leaf.key }, now)).toThrow(/certificate 1 is not signed by certificate 2/);
  });

  it('takes an ACME CA\'s chain without its root (the CA never sends it), but not a hand-made one', () => {
    const leaf = ca.leaf(['d.example.com']);
    const withoutRoot = leaf.cert + ca.intermediate.cert;
    expect(() => checkCertificate({ certificateChain: withoutRoot, privateKey: leaf.key }, now)).toThrow(/chain is incomplete: it ends at a certificate issued by CN=Berth Test Root/);
    expect(checkCertificate({ certificateChain: withoutRoot, privateKey: leaf.key }, now, { fromAcmeCa: true }).hostnames).toEqual(['d.example.com']);
    // Everything else still holds for it: a wrong key, a broken order.
    expect(() => checkCertificate({ certificateChain: leaf.cert + ca.root.cert, privateKey: leaf.key }, now, { fromAcmeCa: true })).toThrow(/certificate 1 is not signed by certificate 2/);
  });

  it('refuses an expired chain, and one not valid yet (by the injected clock)', () => {
    const expired = ca.leaf(['old.example.com'], { start: opensslTime(new Date(now - 10 * 86_400_000)), end: opensslTime(new Date(now - 86_400_000)) });
    expect(() => checkCertificate({ certificateChain: expired.chain, privateKey: expired.key }, now)).toThrow(/The certificate expired on/);
    const fine = ca.leaf(['new.example.com']);
    expect(() => checkCertificate({ certificateChain: fine.chain, privateKey: fine.key }, now - 86_400_000 * 2)).toThrow(/is not valid before/);
    expect(() => checkCertificate({ certificateChain: fine.chain, privateKey: fine.key }, now + 86_400_000 * 400)).toThrow(/expired on/);
  });

  it('refuses what is not PEM with a sentence saying so', () => {
    expect(() => checkCertificate({ certificateChain: 'hello', privateKey: 'x' }, now)).toThrow(/holds no PEM certificate/);
    const leaf = ca.leaf(['d.example.com']);
    expect(() => checkCertificate({ certificateChain: leaf.chain, privateKey: 'nope' }, now)).toThrow(/private_key cannot be read/);
  });
});
