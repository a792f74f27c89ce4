// What automatic certificates (ACME) remember across restarts: the ACME account per directory (its
// key sealed by SecretBox), whether an app has them on, the certificate last issued for it (to
// renew it ahead of expiry, and never again while it is valid), and each hostname's order status.
import type { Id } from '../domain/types.js';

export interface AcmeAccountRecord {
  directoryUrl: string;
  /** The account's private key (PEM), sealed with SecretBox: never stored in clear. */
  sealedKey: string;
  /** The account URL the CA gave it; empty until the account is registered. */
  accountUrl: string;
}

/** Heroku's `acm_status` words: `pending` until the first try, `ok`, `failing` (retrying) and `failed` (gave up). */
export type AcmeHostnameStatus = 'pending' | 'ok' | 'failing' | 'failed';

export interface AcmeHostnameState {
  appId: Id;
  hostname: string;
  status: AcmeHostnameStatus;
  /** Why the last order failed, worded for the tenant; null when it did not. */
  reason: string | null;
  /** Failed orders in a row (backoff); 0 after a success or a refresh. */
  failures: number;
  /** Not tried again before this (ISO); null: at the next pass. */
  nextAttemptAt: string | null;
  updatedAt: string;
}

export interface AcmeIssuedCertificate {
  /** The id the certificate store gave it. */
  certificateId: string;
  hostnames: string[];
  notBefore: string;
  notAfter: string;
}

export interface AcmeAppState {
  appId: Id;
  enabled: boolean;
  certificate: AcmeIssuedCertificate | null;
}

export interface AcmeRepo {
  account(directoryUrl: string): Promise<AcmeAccountRecord | undefined>;
  saveAccount(account: AcmeAccountRecord): Promise<void>;
  /** The app's state; `enabled: false` and no certificate for an app never enabled. */
  app(appId: Id): Promise<AcmeAppState>;
  /** Every app with automatic certificates on, for the renewal pass. */
  enabledApps(): Promise<Id[]>;
  setEnabled(appId: Id, enabled: boolean, now: string): Promise<void>;
  recordCertificate(appId: Id, certificate: AcmeIssuedCertificate | null, now: string): Promise<void>;
  hostnames(appId: Id): Promise<AcmeHostnameState[]>;
  saveHostname(state: AcmeHostnameState): Promise<void>;
  /** Forgets hostname states (disable, or domains the app no longer has). */
  removeHostnames(appId: Id, hostnames?: string[]): Promise<void>;
}
