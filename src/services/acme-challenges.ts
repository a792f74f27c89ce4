// The HTTP-01 challenges of the orders under way, held by the API process that placed them: the
// router asks for a token's answer over the internal endpoint while the CA validates. Kept in
// memory on purpose: an order lives only while its API process waits on it, so a token a restart
// forgets belongs to an order nobody will finish anyway.
import type { ChallengeBoard } from '../platform/acme-ca.js';

export class AcmeChallenges implements ChallengeBoard {
  private readonly byToken = new Map<string, { hostname: string; keyAuthorization: string }>();

  add(hostname: string, token: string, keyAuthorization: string): void {
    this.byToken.set(token, { hostname: hostname.toLowerCase(), keyAuthorization });
  }

  remove(token: string): void {
    this.byToken.delete(token);
  }

  /** The key authorization for this token, only when it was asked for this hostname. */
  answer(hostname: string, token: string): string | undefined {
    const c = this.byToken.get(token);
    return c && c.hostname === hostname.toLowerCase() ? c.keyAuthorization : undefined;
  }
}
