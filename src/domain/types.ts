// The entities of the platform, as the store keeps them. Plain data, no behaviour.

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
  ownerId: Id;
  stack: string;
  maintenance: boolean;
  /** Buildpacks named by the app (URLs or directories); empty = detect. */
  buildpacks: string[];
  createdAt: Timestamp;
  updatedAt: Timestamp;
  releasedAt: Timestamp | null;
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
  buildpackDescription: string;
  commit: string | null;
  sizeBytes: number;
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

export type ReleaseStatus = 'pending' | 'succeeded' | 'failed';

export interface Release {
  id: Id;
  appId: Id;
  version: number;
  description: string;
  status: ReleaseStatus;
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
export interface AuditEvent {
  id: Id;
  actorId: Id | null;
  appId: Id | null;
  /** kebab-case verb phrase, e.g. `app-created`, `config-changed`, `release-created`. */
  action: string;
  data: Record<string, unknown>;
  createdAt: Timestamp;
}
