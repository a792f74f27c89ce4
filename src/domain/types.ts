// The entities of the platform, as the store keeps them. Plain data, no behaviour.
import type { AppPermission, TeamRole } from './app-permissions.js';
import type { CronJob } from './cron-jobs.js';
import type { Healthchecks } from './healthchecks.js';

export type Id = string;
/** ISO-8601 timestamps, as Heroku's API returns them. */
export type Timestamp = string;

export interface User {
  id: Id;
  email: string;
  passwordHash: string;
  isAdmin: boolean;
  createdAt: Timestamp;
  updatedAt: Timestamp;
}

export interface ApiToken {
  id: Id;
  userId: Id;
  /** sha256 of the token; the token itself is shown once and never stored. */
  tokenHash: string;
  description: string;
  createdAt: Timestamp;
  lastUsedAt: Timestamp | null;
}

export interface App {
  id: Id;
  name: string;
  /** The user who created the app or last had it transferred to them; for a team app the team owns it. */
  ownerId: Id;
  /** The team that owns the app, or null for a personal app. */
  teamId: Id | null;
  stack: string;
  maintenance: boolean;
  /** Buildpacks named by the app (URLs or directories); empty = detect. */
  buildpacks: string[];
  createdAt: Timestamp;
  updatedAt: Timestamp;
  releasedAt: Timestamp | null;
}

/** A group of users that owns apps together (Heroku's team). */
export interface Team {
  id: Id;
  name: string;
  createdAt: Timestamp;
  updatedAt: Timestamp;
}

export interface TeamMember {
  teamId: Id;
  userId: Id;
  role: TeamRole;
  createdAt: Timestamp;
  updatedAt: Timestamp;
}

/** A user's grant on one app: a collaborator on a personal app, or a member's permissions on a team app. */
export interface AppCollaborator {
  appId: Id;
  userId: Id;
  permissions: AppPermission[];
  createdAt: Timestamp;
  updatedAt: Timestamp;
}

export type ConfigVars = Record<string, string>;

/** Process type → command, as read from the Procfile or a buildpack's defaults. */
export type ProcessTypes = Record<string, string>;

export interface Slug {
  id: Id;
  appId: Id;
  /** Where the runtime finds it: a directory for `local`, an image reference for `docker`. */
  location: string;
  processTypes: ProcessTypes;
  /** app.json's `healthchecks` (Dokku's) of the source it was built from; `{}` when it had none. */
  healthchecks: Healthchecks;
  buildpackDescription: string;
  commit: string | null;
  sizeBytes: number;
  /** The app.json `cron` jobs of the source it was built from: a release runs the jobs of its slug. */
  cronJobs: CronJob[];
  createdAt: Timestamp;
}

export type BuildStatus = 'pending' | 'succeeded' | 'failed';

export interface Build {
  id: Id;
  appId: Id;
  userId: Id;
  status: BuildStatus;
  sourceUrl: string;
  sourceVersion: string | null;
  slugId: Id | null;
  releaseId: Id | null;
  buildpacks: string[];
  createdAt: Timestamp;
  updatedAt: Timestamp;
}

/**
 * Heroku's release status, derived from the rollout with Heroku's meaning (the heroku CLI prints
 * pending as "release command executing" and failed as "release command failed"): pending until the
 * release becomes current, failed if it never did. How its instances fared is the rollout's business.
 */
export type ReleaseStatus = 'pending' | 'succeeded' | 'failed';

/**
 * Where a release's rollout stands, written by its owners (the release queue before it is current, the
 * health manager after): `pending` (made, release command running) → `releasing` (the app's current
 * release, instances starting) → `live` (every slot of it came up), or `failed` with a reason, or
 * `superseded` (another release became current before this one went live). The last three are final.
 */
export type RolloutState = 'pending' | 'releasing' | 'live' | 'failed' | 'superseded';

export interface Rollout {
  state: RolloutState;
  /** Why it failed or was superseded; null otherwise. */
  reason: string | null;
  changedAt: Timestamp;
}

export interface Release {
  id: Id;
  appId: Id;
  version: number;
  description: string;
  /** Heroku's, derived from `rollout` and `currentAt` (see releaseStatus()); stored nowhere. */
  status: ReleaseStatus;
  rollout: Rollout;
  /** When it became the app's current release; null if it never did (failed release command, interrupted). */
  currentAt: Timestamp | null;
  slugId: Id | null;
  /** The config vars this release runs with: a snapshot, so rollback restores them. */
  config: ConfigVars;
  userId: Id;
  createdAt: Timestamp;
  updatedAt: Timestamp;
}

export interface FormationEntry {
  id: Id;
  appId: Id;
  type: string;
  quantity: number;
  size: string;
  createdAt: Timestamp;
  updatedAt: Timestamp;
}

/** One line of the audit trail: who did what, to which app, when. */
/**
 * One entry of the audit trail: who changed what, where from, when. Written once, never changed.
 * Names (actor email, app name) are kept as they were at that moment: the trail outlives users and apps.
 */
export interface AuditEvent {
  id: Id;
  /** Order of recording, increasing; what the API pages by (timestamps can tie). */
  seq: number;
  actorId: Id | null;
  actorEmail: string | null;
  appId: Id | null;
  appName: string | null;
  teamId: Id | null;
  /** kebab-case verb phrase, e.g. `app-created`, `config-changed`, `release-created`. */
  action: string;
  /** What changed; config changes name keys only (`added`, `changed`, `removed`), never values. */
  data: Record<string, unknown>;
  /** The client's address, when the change came through the API or git. */
  address: string | null;
  /** The id of the API token used (never its secret), when the change came through one. */
  tokenId: Id | null;
  createdAt: Timestamp;
}

export type NewAuditEvent = Omit<AuditEvent, 'id' | 'seq' | 'createdAt'>;

/** Where a request came from: recorded with each change it makes. */
export interface RequestOrigin {
  address: string | null;
  tokenId: Id | null;
}

/**
 * A user acting through one request. Services take `User`; the API passes this, so the origin
 * reaches the audit trail without every service signature carrying it (services/audit-entry.ts).
 */
export interface Actor extends User {
  origin?: RequestOrigin;
}

export const ROLLOUT_FINAL: readonly RolloutState[] = ['live', 'failed', 'superseded'];

export function releaseStatus(state: RolloutState, currentAt: Timestamp | null): ReleaseStatus {
  if (currentAt !== null) return 'succeeded';
  return state === 'pending' ? 'pending' : 'failed';
}
