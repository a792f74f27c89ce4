// The embedded store: one SQLite file in WAL mode, migrations at open, and a write lock that
// turns better-sqlite3's synchronous calls into one serial queue the async services can share.
import { AsyncLocalStorage } from 'node:async_hooks';
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import Database from 'better-sqlite3';
import { systemClock, type Clock } from '../../platform/clock.js';
import { newId } from '../../platform/ids.js';
import type { Repos, Store } from '../store.js';
import { sqliteAddons } from './addon-repos.js';
import { sqliteApps, sqliteConfig, sqliteFormation } from './app-repos.js';
import { sqliteTokens, sqliteUsers } from './account-repos.js';
import { sqliteAppFeatures, sqliteCertificates, sqliteDomains } from './app-edge-repos.js';
import { sqliteCron } from './cron-repos.js';
import { sqliteMetrics } from './metrics-repos.js';
import { sqliteLogDrains } from './log-drain-repos.js';
import { sqliteAcme } from './acme-repos.js';
import { sqliteBilling, sqliteUsage } from './usage-repos.js';
import { sqliteCollaborators, sqliteTeams } from './team-repos.js';
import { MIGRATIONS } from './migrations.js';
import { sqliteEvents } from './audit-events-repo.js';
import { sqliteWebhooks } from './webhook-repos.js';
import { sqliteBuilds, sqliteReleases, sqliteSlugs } from './release-repos.js';

export function openSqlite(file: string): Database.Database {
  if (file !== ':memory:') mkdirSync(dirname(file), { recursive: true });
  const db = new Database(file);
  db.pragma('journal_mode = WAL');
  // FULL: an acknowledged write survives a power cut, not only a process crash.
  db.pragma('synchronous = FULL');
  db.pragma('foreign_keys = ON');
  db.pragma('busy_timeout = 5000');
  migrate(db);
  return db;
}

function migrate(db: Database.Database): void {
  const current = db.pragma('user_version', { simple: true }) as number;
  for (let v = current; v < MIGRATIONS.length; v++) {
    const migration = MIGRATIONS[v]!;
    db.transaction(() => {
      if (typeof migration === 'string') db.exec(migration);
      else migration(db);
      db.pragma(`user_version = ${v + 1}`);
    })();
  }
  // A migration that rewrote tables (3: release configs into snapshots) can leave most of an old,
  // bloated file free; give it back once instead of keeping it for ever.
  const freeBytes = (db.pragma('freelist_count', { simple: true }) as number) * (db.pragma('page_size', { simple: true }) as number);
  if (current < MIGRATIONS.length && current > 0 && freeBytes > RECLAIM_AFTER_MIGRATION_BYTES) db.exec('VACUUM');
}

const RECLAIM_AFTER_MIGRATION_BYTES = 4 * 1024 * 1024;

function makeRepos(db: Database.Database, clock: Clock): Repos {
  const ctx = { now: () => new Date(clock.now()).toISOString(), newId };
  return {
    users: sqliteUsers(db, ctx),
    tokens: sqliteTokens(db, ctx),
    apps: sqliteApps(db, ctx),
    teams: sqliteTeams(db, ctx),
    collaborators: sqliteCollaborators(db, ctx),
    config: sqliteConfig(db),
    releases: sqliteReleases(db, ctx),
    formation: sqliteFormation(db, ctx),
    slugs: sqliteSlugs(db, ctx),
    builds: sqliteBuilds(db, ctx),
    events: sqliteEvents(db, ctx),
    addons: sqliteAddons(db, ctx),
    cron: sqliteCron(db),
    acme: sqliteAcme(db),
    usage: sqliteUsage(db),
    billing: sqliteBilling(db),
    metrics: sqliteMetrics(db),
    logDrains: sqliteLogDrains(db, ctx),
    webhooks: sqliteWebhooks(db, ctx),
    domains: sqliteDomains(db, ctx),
    certificates: sqliteCertificates(db, ctx),
    features: sqliteAppFeatures(db),
  };
}

/** Wraps every repo method so that it waits its turn behind any running transaction. */
function serialized(repos: Repos, exclusive: <T>(fn: () => Promise<T>) => Promise<T>): Repos {
  const wrap = <R extends object>(repo: R): R =>
    Object.fromEntries(
      Object.entries(repo).map(([k, fn]) => [k, (...args: unknown[]) => exclusive(() => (fn as (...a: unknown[]) => Promise<unknown>)(...args))]),
    ) as R;
  return Object.fromEntries(Object.entries(repos).map(([k, r]) => [k, wrap(r as object)])) as unknown as Repos;
}

export class SqliteStore implements Store {
  private readonly db: Database.Database;
  private readonly raw: Repos;
  private tail: Promise<unknown> = Promise.resolve();
  /** Marks the async context of a running transaction, so calls made inside it do not wait for themselves. */
  private readonly inTransaction = new AsyncLocalStorage<true>();

  readonly users; readonly tokens; readonly apps; readonly teams; readonly collaborators; readonly config; readonly releases;
  readonly formation; readonly slugs; readonly builds; readonly events; readonly addons; readonly cron; readonly acme;
  readonly usage; readonly billing; readonly metrics; readonly logDrains; readonly webhooks; readonly domains; readonly certificates; readonly features;

  constructor(file: string, clock: Clock = systemClock) {
    this.db = openSqlite(file);
    this.raw = makeRepos(this.db, clock);
    const outer = serialized(this.raw, (fn) => this.exclusive(fn));
    ({ users: this.users, tokens: this.tokens, apps: this.apps, teams: this.teams, collaborators: this.collaborators, config: this.config, releases: this.releases,
      formation: this.formation, slugs: this.slugs, builds: this.builds, events: this.events, addons: this.addons, cron: this.cron, acme: this.acme,
      usage: this.usage, billing: this.billing, metrics: this.metrics, logDrains: this.logDrains, webhooks: this.webhooks,
      domains: this.domains, certificates: this.certificates, features: this.features } = outer);
  }

  private exclusive<T>(fn: () => Promise<T>): Promise<T> {
    if (this.inTransaction.getStore()) return fn();
    const result = this.tail.then(fn, fn);
    this.tail = result.catch(() => undefined);
    return result;
  }

  transaction<T>(fn: (tx: Repos) => Promise<T>): Promise<T> {
    return this.exclusive(() =>
      this.inTransaction.run(true, async () => {
        this.db.exec('BEGIN IMMEDIATE');
        try {
          const result = await fn(this.raw);
          this.db.exec('COMMIT');
          return result;
        } catch (e) {
          this.db.exec('ROLLBACK');
          throw e;
        }
      }),
    );
  }

  async close(): Promise<void> {
    await this.tail;
    this.db.close();
  }
}
