// Add-on entities: a backing service provisioned by a broker, owned by one app and attached to
// one or more apps through a config var (`DATABASE_URL`, `REDIS_URL`, `<NAME>_URL`).
import type { Id, Timestamp } from './types.js';

export interface Addon {
  id: Id;
  /** Globally unique, Heroku style: `postgresql-calm-harbor-4821`. */
  name: string;
  /** The app that owns (and is billed for) the add-on. */
  appId: Id;
  /** `postgresql`, `redis`. */
  service: string;
  /** `postgresql:dev`. */
  plan: string;
  state: 'provisioning' | 'provisioned' | 'deprovisioning';
  createdAt: Timestamp;
  updatedAt: Timestamp;
}

export interface AddonAttachment {
  id: Id;
  addonId: Id;
  appId: Id;
  /** `DATABASE`: the config var is `<name>_URL`. */
  name: string;
  createdAt: Timestamp;
  updatedAt: Timestamp;
}

export interface AddonBackup {
  id: Id;
  addonId: Id;
  appId: Id;
  /** Per add-on, 1, 2, 3…; shown as `b001`. */
  num: number;
  status: 'running' | 'succeeded' | 'failed';
  sizeBytes: number;
  createdAt: Timestamp;
  finishedAt: Timestamp | null;
}

/** An attachment name becomes a config var `<NAME>_URL`: upper case letters, digits, underscores. */
export const ATTACHMENT_NAME = /^[A-Z][A-Z0-9_]{0,62}$/;

export const backupLabel = (num: number): string => `b${String(num).padStart(3, '0')}`;
