// The Store contract: desired state and history. SQLite is the embedded default; a
// PostgreSQL implementation will run the same contract suite (store.contract.ts).
import type {
  ApiToken, App, AppCollaborator, Build, BuildStatus, ConfigVars, FormationEntry, Id, Release, RolloutState, Slug, Team, TeamMember, User,
} from '../domain/types.js';
import type { AppPermission, TeamRole } from '../domain/app-permissions.js';
import type { AddonRepo } from './addon-repo.js';
import type { EventRepo } from './audit-repo.js';
import type { AppFeatureRepo, CertificateRepo, DomainRepo } from './app-edge-repo.js';
import type { BillingRepo } from './billing-repo.js';
import type { CronRepo } from './cron-repo.js';
import type { LogDrainRepo } from './log-drain-repo.js';
import type { AcmeRepo } from './acme-repo.js';
import type { UsageRepo } from './usage-repo.js';
import type { MetricsRepo } from './metrics-repo.js';
import type { WebhookRepo } from './webhook-repo.js';

export type { AuditFilter, AuditVisibility, EventRepo } from './audit-repo.js';

export interface NewUser { email: string; passwordHash: string; isAdmin: boolean }
export interface NewToken { userId: Id; tokenHash: string; description: string }
export interface NewApp { name: string; ownerId: Id; stack: string; teamId?: Id | null }
export interface NewRelease {
  appId: Id;
  description: string;
  slugId: Id | null;
  config: ConfigVars;
  userId: Id;
  /** Make it the app's current release in the same write (see ReleaseRepo.makeCurrent). Default false: pending. */
  current?: boolean;
}
/** `healthchecks` and `cronJobs` default to none: only a build from source with an app.json has any. */
export type NewSlug = Omit<Slug, 'id' | 'createdAt' | 'healthchecks' | 'cronJobs'> & Partial<Pick<Slug, 'healthchecks' | 'cronJobs'>>;
export type NewBuild = Pick<Build, 'appId' | 'userId' | 'sourceUrl' | 'sourceVersion' | 'buildpacks'>;

export interface UserRepo {
  create(u: NewUser): Promise<User>;
  byId(id: Id): Promise<User | undefined>;
  byEmail(email: string): Promise<User | undefined>;
  list(): Promise<User[]>;
  count(): Promise<number>;
  /** Deletes the user, their tokens and their apps' rows (the caller stops their instances first). */
  delete(id: Id): Promise<void>;
}

export interface TokenRepo {
  create(t: NewToken): Promise<ApiToken>;
  byHash(tokenHash: string): Promise<ApiToken | undefined>;
  listForUser(userId: Id): Promise<ApiToken[]>;
  touch(id: Id, at: string): Promise<void>;
  delete(id: Id): Promise<boolean>;
}

export interface AppRepo {
  create(a: NewApp): Promise<App>;
  byId(id: Id): Promise<App | undefined>;
  byName(name: string): Promise<App | undefined>;
  /** All apps, or those of one owner (team apps they created included) or of one team, ordered by name. */
  list(filter?: { ownerId?: Id; teamId?: Id }): Promise<App[]>;
  /** Apps a user reaches without being a platform admin: owned, of their teams, or collaborated on. Ordered by name. */
  listReachable(userId: Id): Promise<App[]>;
  update(id: Id, changes: Partial<Pick<App, 'name' | 'maintenance' | 'buildpacks' | 'releasedAt' | 'stack' | 'ownerId' | 'teamId'>>): Promise<App>;
  /** Deletes the app and everything that belongs to it (releases, formation, config, builds, slugs). */
  delete(id: Id): Promise<void>;
}

export interface TeamRepo {
  create(name: string): Promise<Team>;
  byId(id: Id): Promise<Team | undefined>;
  byName(name: string): Promise<Team | undefined>;
  /** Every team, ordered by name. */
  list(): Promise<Team[]>;
  /** The teams a user belongs to, with their role, ordered by team name. */
  listForUser(userId: Id): Promise<Array<{ team: Team; role: TeamRole }>>;
  rename(id: Id, name: string): Promise<Team>;
  /** Deletes the team and its memberships; the caller checks that it owns no apps. */
  delete(id: Id): Promise<void>;
  members(teamId: Id): Promise<TeamMember[]>;
  member(teamId: Id, userId: Id): Promise<TeamMember | undefined>;
  /** Adds the user or changes their role. */
  setMember(teamId: Id, userId: Id, role: TeamRole): Promise<TeamMember>;
  removeMember(teamId: Id, userId: Id): Promise<boolean>;
}

export interface CollaboratorRepo {
  list(appId: Id): Promise<AppCollaborator[]>;
  get(appId: Id, userId: Id): Promise<AppCollaborator | undefined>;
  /** Adds the user to the app or replaces their permissions. */
  set(appId: Id, userId: Id, permissions: AppPermission[]): Promise<AppCollaborator>;
  remove(appId: Id, userId: Id): Promise<boolean>;
  removeAll(appId: Id): Promise<void>;
}

export interface ConfigRepo {
  get(appId: Id): Promise<ConfigVars>;
  replace(appId: Id, vars: ConfigVars): Promise<void>;
}

export interface ReleaseRepo {
  /**
   * Assigns the next version number for the app atomically; the rollout starts `pending`. The config is
   * stored once per distinct config of the app, not copied into every release (deploys and rollbacks repeat it).
   */
  create(r: NewRelease): Promise<Release>;
  byId(appId: Id, id: Id): Promise<Release | undefined>;
  byVersion(appId: Id, version: number): Promise<Release | undefined>;
  /** Ordered by version ascending. */
  list(appId: Id): Promise<Release[]>;
  /** The app's current release: an explicit pointer, moved only by makeCurrent(). */
  current(appId: Id): Promise<Release | undefined>;
  /**
   * Points the app at this pending release: its rollout becomes `releasing`, and the release it replaces,
   * if that one's rollout had not ended, becomes `superseded`. Throws if the release is not pending.
   */
  makeCurrent(appId: Id, id: Id): Promise<Release>;
  /**
   * Moves a rollout forward: pending → failed, releasing → live | failed | superseded. A release whose
   * rollout has ended keeps its state (returns undefined), so a late writer cannot undo a verdict.
   */
  setRollout(id: Id, state: Exclude<RolloutState, 'pending' | 'releasing'>, reason?: string | null): Promise<Release | undefined>;
  /** Releases of every app whose rollout is in one of these states (e.g. pending ones after a crash). */
  withRollout(states: RolloutState[]): Promise<Release[]>;
}

export interface FormationRepo {
  list(appId: Id): Promise<FormationEntry[]>;
  get(appId: Id, type: string): Promise<FormationEntry | undefined>;
  upsert(appId: Id, type: string, changes: { quantity?: number; size?: string }): Promise<FormationEntry>;
  delete(appId: Id, type: string): Promise<void>;
}

export interface SlugRepo {
  create(s: NewSlug): Promise<Slug>;
  byId(id: Id): Promise<Slug | undefined>;
  list(appId: Id): Promise<Slug[]>;
}

export interface BuildRepo {
  create(b: NewBuild): Promise<Build>;
  byId(appId: Id, id: Id): Promise<Build | undefined>;
  list(appId: Id): Promise<Build[]>;
  update(id: Id, changes: Partial<Pick<Build, 'status' | 'slugId' | 'releaseId'>>): Promise<Build>;
  /** Builds of every app with this status, oldest first (e.g. pending ones after a crash). */
  withStatus(status: BuildStatus): Promise<Build[]>;
}


/** The repositories, as seen inside or outside a transaction. */
export interface Repos {
  users: UserRepo;
  tokens: TokenRepo;
  apps: AppRepo;
  teams: TeamRepo;
  collaborators: CollaboratorRepo;
  config: ConfigRepo;
  releases: ReleaseRepo;
  formation: FormationRepo;
  slugs: SlugRepo;
  builds: BuildRepo;
  events: EventRepo;
  addons: AddonRepo;
  cron: CronRepo;
  acme: AcmeRepo;
  usage: UsageRepo;
  billing: BillingRepo;
  /** The metrics history's rows (metrics/metrics-history.ts). */
  metrics: MetricsRepo;
  logDrains: LogDrainRepo;
  webhooks: WebhookRepo;
  domains: DomainRepo;
  certificates: CertificateRepo;
  features: AppFeatureRepo;
}

export interface Store extends Repos {
  /**
   * Runs fn with repositories bound to one transaction: all of its writes land, or none.
   * Other store calls wait until it finishes.
   */
  transaction<T>(fn: (tx: Repos) => Promise<T>): Promise<T>;
  close(): Promise<void>;
}
