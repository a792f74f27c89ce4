// An ACME certificate authority (RFC 8555) spoken through acme-client: registers Berth's account
// and orders one certificate for a set of hostnames with HTTP-01 challenges. Each hostname's
// authorization is followed on its own, so a failed order says which hostnames failed and why
// (the others can be ordered again without them).
import { Agent } from 'node:https';
import { rootCertificates } from 'node:tls';
import * as acme from 'acme-client';

export interface AcmeCaOptions {
  directoryUrl: string;
  /** PEM certificates trusted for the directory besides the system's (a private CA such as Pebble). */
  caBundle?: string;
  /** Where the CA sends expiry and account notices. */
  contactEmail?: string;
}

/** Where the token's answer must be served while the CA validates: `http://<hostname>/.well-known/acme-challenge/<token>`. */
export interface ChallengeBoard {
  add(hostname: string, token: string, keyAuthorization: string): void;
  remove(token: string): void;
}

export type AcmeOrderResult =
  | { ok: true; certificateChain: string; privateKey: string }
  /** `failures`: the hostnames whose validation failed, with the CA's reason; empty when the order failed as a whole (see `reason`). */
  | { ok: false; reason: string; failures: Map<string, string> };

export class AcmeCa {
  constructor(private readonly o: AcmeCaOptions) {
    // acme-client talks through one shared axios instance: the private CA is trusted there, once,
    // beside the system's roots (an agent's `ca` would otherwise replace them).
    if (o.caBundle) acme.axios.defaults.httpsAgent = new Agent({ ca: [...rootCertificates, o.caBundle], keepAlive: true });
  }

  get directoryUrl(): string {
    return this.o.directoryUrl;
  }

  /** A new account key (PEM), to be sealed before it is stored. */
  async newAccountKey(): Promise<string> {
    return (await acme.crypto.createPrivateEcdsaKey('P-256')).toString();
  }

  /** Registers the key's account (the CA answers with the existing one for a known key); resolves with its URL. */
  async register(accountKey: string): Promise<string> {
    const client = this.client(accountKey);
    await client.createAccount({ termsOfServiceAgreed: true, ...(this.o.contactEmail ? { contact: [`mailto:${this.o.contactEmail}`] } : {}) });
    return client.getAccountUrl();
  }

  async order(account: { key: string; url: string }, hostnames: string[], board: ChallengeBoard): Promise<AcmeOrderResult> {
    const client = this.client(account.key, account.url);
    try {
      const order = await client.createOrder({ identifiers: hostnames.map((value) => ({ type: 'dns', value })) });
      const failures = new Map<string, string>();
      const authorizations = await client.getAuthorizations(order);
      await Promise.all(authorizations.map(async (authz) => {
        const hostname = authz.identifier.value;
        if (authz.status === 'valid') return; // validated recently for this account: the CA reuses it
        const challenge = authz.challenges.find((c) => c.type === 'http-01');
        if (!challenge) return void failures.set(hostname, 'the CA offered no HTTP-01 challenge');
        board.add(hostname, challenge.token, await client.getChallengeKeyAuthorization(challenge));
        try {
          await client.completeChallenge(challenge);
          await client.waitForValidStatus(challenge);
        } catch (e) {
          failures.set(hostname, reasonOf(e));
        } finally {
          board.remove(challenge.token);
        }
      }));
      if (failures.size > 0) return { ok: false, reason: [...failures].map(([h, r]) => `${h}: ${r}`).join('; '), failures };
      const [key, csr] = await acme.crypto.createCsr({ altNames: hostnames });
      // The certificate's URL is on the order the finalize call answers, not on the one placed: an
      // order whose authorizations were still valid (a renewal) was already `ready` when placed, so
      // downloading through that one finds no URL ("Unable to download certificate").
      const finalized = await client.finalizeOrder(order, csr);
      const certificateChain = await client.getCertificate(finalized);
      return { ok: true, certificateChain, privateKey: key.toString() };
    } catch (e) {
      return { ok: false, reason: reasonOf(e), failures: new Map() };
    }
  }

  private client(accountKey: string, accountUrl?: string): acme.Client {
    // Polls quickly at first: a CA validates in about a second; a slow one still gets ten tries over minutes.
    return new acme.Client({
      directoryUrl: this.o.directoryUrl, accountKey, ...(accountUrl ? { accountUrl } : {}),
      backoffAttempts: 10, backoffMin: 500, backoffMax: 30_000,
    });
  }
}

function reasonOf(e: unknown): string {
  const message = e instanceof Error ? e.message : String(e);
  return message.replace(/\s+/g, ' ').trim().slice(0, 500);
}
