// An ACME CA for unit tests of automatic certificates: it "validates" hostnames as told (a hostname
// in `refuse` fails with its reason) and issues real certificates (openssl, argv only) valid from
// now for `validityDays`, so the certificate store and the renewal rule read real dates.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { AcmeCa, AcmeOrderResult, ChallengeBoard } from '../../platform/acme-ca.js';

export class FakeAcmeCa implements Pick<AcmeCa, 'directoryUrl' | 'newAccountKey' | 'register' | 'order'> {
  readonly directoryUrl = 'https://ca.test/directory';
  readonly orders: string[][] = [];
  registrations = 0;
  validityDays = 90;
  /** Hostname → why its validation fails. */
  readonly refuse = new Map<string, string>();

  async newAccountKey(): Promise<string> {
    return 'fake-account-key';
  }

  async register(): Promise<string> {
    this.registrations++;
    return 'https://ca.test/account/1';
  }

  async order(_account: { key: string; url: string }, hostnames: string[], board: ChallengeBoard): Promise<AcmeOrderResult> {
    this.orders.push([...hostnames]);
    for (const h of hostnames) board.add(h, `token-${h}`, `auth-${h}`);
    for (const h of hostnames) board.remove(`token-${h}`);
    const failures = new Map(hostnames.filter((h) => this.refuse.has(h)).map((h) => [h, this.refuse.get(h)!]));
    if (failures.size > 0) return { ok: false, reason: [...failures.values()].join('; '), failures };
    return { ok: true, ...selfSigned(hostnames, this.validityDays) };
  }
}

export function selfSigned(hostnames: string[], days: number): { certificateChain: string; privateKey: string } {
  const dir = mkdtempSync(join(tmpdir(), 'berth-fake-ca-'));
  try {
    execFileSync('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-days', String(days),
      '-subj', `/CN=${hostnames[0]}`, '-addext', `subjectAltName=${hostnames.map((h) => `DNS:${h}`).join(',')}`,
      '-keyout', join(dir, 'key.pem'), '-out', join(dir, 'cert.pem')], { stdio: 'ignore' });
    return { certificateChain: readFileSync(join(dir, 'cert.pem'), 'utf8'), privateKey: readFileSync(join(dir, 'key.pem'), 'utf8') };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
