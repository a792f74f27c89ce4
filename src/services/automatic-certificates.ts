// Automatic certificates (Heroku's ACM) for apps that enabled them: one certificate per app covering
// its custom domains, ordered from the ACME CA over HTTP-01, installed through the certificate port
// with origin `acme`, and renewed when a third of its lifetime is left. Level-based: each pass
// compares each enabled app's domains with the certificate it was last issued (which the store
// keeps across restarts, so a restart never re-issues a valid one) and orders only what is missing
// or due. A failure backs off per hostname; after MAX_FAILURES it is `failed` until certs:auto:refresh.
import { X509Certificate } from 'node:crypto';
import type { Id } from '../domain/types.js';
import type { LogSink } from '../logs/log-sink.js';
import type { AcmeCa, AcmeOrderResult } from '../platform/acme-ca.js';
import type { Clock } from '../platform/clock.js';
import type { Logger } from '../platform/logger.js';
import type { SecretBox } from '../platform/secret-box.js';
import type { AcmeHostnameState, AcmeIssuedCertificate, AcmeRepo } from '../store/acme-repo.js';
import type { AcmeChallenges } from './acme-challenges.js';
import type { AppDomainList } from './app-domains.js';
import type { CertificateInstaller } from './certificate-install.js';

/** Failed orders in a row before a hostname is `failed` (no more tries until a refresh). */
export const MAX_FAILURES = 6;
const FIRST_RETRY_MS = 5 * 60_000;
const MAX_RETRY_MS = 6 * 3600_000;
/** How often the renewal pass runs when nothing wakes it. */
export const DEFAULT_CHECK_EVERY_MS = 10 * 60_000;

export interface AutomaticCertificatesDeps {
  acme: AcmeRepo;
  ca: Pick<AcmeCa, 'directoryUrl' | 'newAccountKey' | 'register' | 'order'>;
  challenges: AcmeChallenges;
  certificates: CertificateInstaller;
  domains: AppDomainList;
  secrets: SecretBox;
  clock: Clock;
  logger: Logger;
  /** The app's log stream: issuance and failures are written there as `berth[acme]`. */
  appLog?: LogSink;
  checkEveryMs?: number;
}

/** When a certificate is renewed: once a third of its lifetime is left. */
export const renewalDueAt = (c: Pick<AcmeIssuedCertificate, 'notBefore' | 'notAfter'>): number => {
  const from = Date.parse(c.notBefore);
  const to = Date.parse(c.notAfter);
  return to - (to - from) / 3;
};

/** The wait after the nth failure in a row: 5 minutes, doubling, at most 6 hours. */
export const retryDelayMs = (failures: number): number => Math.min(FIRST_RETRY_MS * 2 ** Math.max(0, failures - 1), MAX_RETRY_MS);

export class AutomaticCertificates {
  private account?: { key: string; url: string };
  private wakeSleep?: () => void;
  private woken = false;

  constructor(private readonly d: AutomaticCertificatesDeps) {}

  /** Runs a pass now (enable, refresh, a domain added) instead of at the next check. */
  wake(): void {
    this.woken = true;
    this.wakeSleep?.();
  }

  /** Passes until `signal` aborts: at start, every `checkEveryMs`, and when woken. */
  async start(signal: AbortSignal): Promise<void> {
    while (!signal.aborted) {
      this.woken = false;
      await this.pass().catch((e: Error) => this.d.logger.error('acme-pass-failed', { error: e.stack ?? e.message }));
      if (this.woken) continue;
      const cut = new AbortController();
      const stop = () => cut.abort();
      signal.addEventListener('abort', stop, { once: true });
      this.wakeSleep = stop;
      await this.d.clock.sleep(this.d.checkEveryMs ?? DEFAULT_CHECK_EVERY_MS, cut.signal).catch(() => undefined);
      this.wakeSleep = undefined;
      signal.removeEventListener('abort', stop);
    }
  }

  /** One pass over every enabled app; an app's failure never stops the others. */
  async pass(): Promise<void> {
    for (const appId of await this.d.acme.enabledApps()) {
      await this.reconcileApp(appId).catch((e: Error) => this.d.logger.error('acme-app-failed', { app: appId, error: e.stack ?? e.message }));
    }
  }

  async reconcileApp(appId: Id): Promise<void> {
    const state = await this.d.acme.app(appId);
    if (!state.enabled) return;
    // Wildcards need DNS-01, which Berth does not answer: they keep a manual certificate.
    const wanted = [...new Set((await this.d.domains.hostnamesOf(appId)).map((h) => h.toLowerCase()).filter((h) => !h.startsWith('*.')))].sort();
    const known = new Map((await this.d.acme.hostnames(appId)).map((s) => [s.hostname, s]));
    const gone = [...known.keys()].filter((h) => !wanted.includes(h));
    if (gone.length > 0) await this.d.acme.removeHostnames(appId, gone);
    if (wanted.length === 0) return;

    // The certificate in force: the one last issued, while the certificate store still holds it.
    const stored = await this.d.certificates.list(appId);
    const current = state.certificate && stored.some((c) => c.origin === 'acme' && c.id === state.certificate!.certificateId) ? state.certificate : null;
    const now = this.d.clock.now();
    const covered = new Set(current?.hostnames ?? []);
    const due = current !== null && now >= renewalDueAt(current);
    const waiting = (h: string) => {
      const s = known.get(h);
      return s !== undefined && (s.status === 'failed' || (s.nextAttemptAt !== null && Date.parse(s.nextAttemptAt) > now));
    };
    for (const h of wanted) if (covered.has(h) && !due && known.get(h)?.status !== 'ok' && !waiting(h)) await this.save(appId, h, { status: 'ok', reason: null, failures: 0, nextAttemptAt: null });
    let ready = wanted.filter((h) => !waiting(h));
    // Only when something is due or not covered yet: the CA limits duplicate certificates, so a
    // hostname waiting out its backoff never makes the others' certificate be ordered again.
    const needed = (hostnames: string[]) => hostnames.length > 0 && (due || hostnames.some((h) => !covered.has(h)));
    // One order for every ready hostname; when some fail validation, once more without them, so
    // one bad DNS record never keeps the app's other domains from a certificate.
    for (let attempt = 0; attempt < 2 && needed(ready); attempt++) {
      const result = await this.order(ready);
      if (result.ok) return this.issued(appId, ready, result, known);
      const failed = result.failures.size > 0 ? [...result.failures.keys()] : ready;
      for (const h of failed) await this.failed(appId, h, result.failures.get(h) ?? result.reason, known.get(h));
      ready = ready.filter((h) => !failed.includes(h));
    }
  }

  private async order(hostnames: string[]): Promise<AcmeOrderResult> {
    const account = await this.ensureAccount().catch((e: Error) => e);
    if (account instanceof Error) return { ok: false, reason: `the ACME account could not be registered: ${account.message}`, failures: new Map() };
    return this.d.ca.order(account, hostnames, this.d.challenges);
  }

  private async issued(appId: Id, hostnames: string[], pem: { certificateChain: string; privateKey: string }, known: Map<string, AcmeHostnameState>): Promise<void> {
    const installed = await this.d.certificates.install(appId, pem, 'acme').catch((e: Error) => e);
    if (installed instanceof Error) {
      for (const h of hostnames) await this.failed(appId, h, `the certificate was refused: ${installed.message}`, known.get(h));
      return;
    }
    const leaf = new X509Certificate(pem.certificateChain);
    const certificate: AcmeIssuedCertificate = {
      certificateId: installed.id, hostnames, notBefore: new Date(leaf.validFrom).toISOString(), notAfter: new Date(leaf.validTo).toISOString(),
    };
    await this.d.acme.recordCertificate(appId, certificate, this.nowIso());
    for (const h of hostnames) await this.save(appId, h, { status: 'ok', reason: null, failures: 0, nextAttemptAt: null });
    this.d.logger.info('acme-certificate-issued', { app: appId, hostnames, expires: certificate.notAfter });
    this.d.appLog?.write(appId, 'berth', 'acme', `Issued an automatic certificate for ${hostnames.join(', ')}, valid until ${certificate.notAfter}`);
  }

  private async failed(appId: Id, hostname: string, reason: string, before: AcmeHostnameState | undefined): Promise<void> {
    const failures = (before?.failures ?? 0) + 1;
    const givenUp = failures >= MAX_FAILURES;
    const nextAttemptAt = givenUp ? null : new Date(this.d.clock.now() + retryDelayMs(failures)).toISOString();
    await this.save(appId, hostname, { status: givenUp ? 'failed' : 'failing', reason, failures, nextAttemptAt });
    this.d.logger.warn('acme-order-failed', { app: appId, hostname, reason, failures });
    const next = givenUp ? `gave up after ${failures} tries; berth certs:auto:refresh tries again` : `trying again at ${nextAttemptAt}`;
    this.d.appLog?.write(appId, 'berth', 'acme', `Automatic certificate for ${hostname} failed: ${reason} (${next})`);
  }

  private async save(appId: Id, hostname: string, s: Pick<AcmeHostnameState, 'status' | 'reason' | 'failures' | 'nextAttemptAt'>): Promise<void> {
    await this.d.acme.saveHostname({ appId, hostname, ...s, updatedAt: this.nowIso() });
  }

  /** The account of this directory: its key made once and kept sealed; registered once. */
  private async ensureAccount(): Promise<{ key: string; url: string }> {
    if (this.account) return this.account;
    const directoryUrl = this.d.ca.directoryUrl;
    let record = await this.d.acme.account(directoryUrl);
    if (!record) {
      // Stored before it is registered: a crash in between registers the same key next time.
      record = { directoryUrl, sealedKey: this.d.secrets.seal(await this.d.ca.newAccountKey()), accountUrl: '' };
      await this.d.acme.saveAccount(record);
    }
    const key = this.d.secrets.open(record.sealedKey);
    if (!record.accountUrl) {
      record = { ...record, accountUrl: await this.d.ca.register(key) };
      await this.d.acme.saveAccount(record);
      this.d.logger.info('acme-account-registered', { directory: directoryUrl, account: record.accountUrl });
    }
    this.account = { key, url: record.accountUrl };
    return this.account;
  }

  private nowIso(): string {
    return new Date(this.d.clock.now()).toISOString();
  }
}
