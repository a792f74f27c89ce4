// Schema migrations for the SQLite store, applied in order at start; `user_version` records progress.
// A migration is SQL, or a function when rows must be rewritten by code.
import type Database from 'better-sqlite3';
import { moveReleaseConfigsToSnapshots } from './migration-config-snapshots.js';

export type Migration = string | ((db: Database.Database) => void);

export const MIGRATIONS: readonly Migration[] = [
  `
  CREATE TABLE users (
    id TEXT PRIMARY KEY,
    email TEXT NOT NULL UNIQUE,
    password_hash TEXT NOT NULL,
    is_admin INTEGER NOT NULL DEFAULT 0,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
  );
  CREATE TABLE tokens (
    id TEXT PRIMARY KEY,
    user_id TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    token_hash TEXT NOT NULL UNIQUE,
    description TEXT NOT NULL,
    created_at TEXT NOT NULL,
    last_used_at TEXT
  );
  CREATE TABLE apps (
    id TEXT PRIMARY KEY,
    name TEXT NOT NULL UNIQUE,
    owner_id TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    stack TEXT NOT NULL,
    maintenance INTEGER NOT NULL DEFAULT 0,
    buildpacks TEXT NOT NULL DEFAULT '[]',
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    released_at TEXT
  );
  CREATE TABLE config_vars (
    app_id TEXT PRIMARY KEY REFERENCES apps(id) ON DELETE CASCADE,
    vars TEXT NOT NULL
  );
  CREATE TABLE slugs (
    id TEXT PRIMARY KEY,
    app_id TEXT NOT NULL REFERENCES apps(id) ON DELETE CASCADE,
    location TEXT NOT NULL,
    process_types TEXT NOT NULL,
    buildpack_description TEXT NOT NULL,
    commit_sha TEXT,
    size_bytes INTEGER NOT NULL,
    created_at TEXT NOT NULL
  );
  CREATE TABLE releases (
    id TEXT PRIMARY KEY,
    app_id TEXT NOT NULL REFERENCES apps(id) ON DELETE CASCADE,
    version INTEGER NOT NULL,
    description TEXT NOT NULL,
    status TEXT NOT NULL,
    slug_id TEXT REFERENCES slugs(id),
    config TEXT NOT NULL,
    user_id TEXT NOT NULL,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    UNIQUE (app_id, version)
  );
  CREATE TABLE builds (
    id TEXT PRIMARY KEY,
    app_id TEXT NOT NULL REFERENCES apps(id) ON DELETE CASCADE,
    user_id TEXT NOT NULL,
    status TEXT NOT NULL,
    source_url TEXT NOT NULL,
    source_version TEXT,
    slug_id TEXT,
    release_id TEXT,
    buildpacks TEXT NOT NULL,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
  );
  CREATE TABLE formation (
    id TEXT PRIMARY KEY,
    app_id TEXT NOT NULL REFERENCES apps(id) ON DELETE CASCADE,
    type TEXT NOT NULL,
    quantity INTEGER NOT NULL,
    size TEXT NOT NULL,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    UNIQUE (app_id, type)
  );
  CREATE TABLE events (
    id TEXT PRIMARY KEY,
    seq INTEGER NOT NULL,
    actor_id TEXT,
    app_id TEXT,
    action TEXT NOT NULL,
    data TEXT NOT NULL,
    created_at TEXT NOT NULL
  );
  CREATE INDEX events_app ON events(app_id, seq);
  CREATE INDEX builds_app ON builds(app_id, created_at);
  `,
  // 2: add-ons. addons.app_id has no foreign key on purpose: when an app is destroyed its add-ons
  // must still be found, to deprovision their servers and data, before their rows go.
  `
  CREATE TABLE addons (
    id TEXT PRIMARY KEY,
    name TEXT NOT NULL UNIQUE,
    app_id TEXT NOT NULL,
    service TEXT NOT NULL,
    plan TEXT NOT NULL,
    state TEXT NOT NULL,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
  );
  CREATE TABLE addon_attachments (
    id TEXT PRIMARY KEY,
    addon_id TEXT NOT NULL REFERENCES addons(id) ON DELETE CASCADE,
    app_id TEXT NOT NULL REFERENCES apps(id) ON DELETE CASCADE,
    name TEXT NOT NULL,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    UNIQUE (app_id, name)
  );
  CREATE TABLE addon_backups (
    id TEXT PRIMARY KEY,
    addon_id TEXT NOT NULL REFERENCES addons(id) ON DELETE CASCADE,
    app_id TEXT NOT NULL,
    num INTEGER NOT NULL,
    status TEXT NOT NULL,
    size_bytes INTEGER NOT NULL DEFAULT 0,
    created_at TEXT NOT NULL,
    finished_at TEXT,
    UNIQUE (addon_id, num)
  );
  CREATE INDEX addons_app ON addons(app_id);
  CREATE INDEX addon_attachments_addon ON addon_attachments(addon_id);
  `,
  // 3: releases reference a shared config snapshot by hash instead of each holding a full copy.
  moveReleaseConfigsToSnapshots,
  // 4: the current release is an explicit pointer, and each release's rollout is stored state (the
  // old status column said only whether the release command passed). Releases that had succeeded
  // count as live and as having been current; pending ones were interrupted by the upgrade's restart.
  `
  ALTER TABLE apps ADD COLUMN current_release_id TEXT;
  ALTER TABLE releases ADD COLUMN rollout_state TEXT NOT NULL DEFAULT 'pending';
  ALTER TABLE releases ADD COLUMN rollout_reason TEXT;
  ALTER TABLE releases ADD COLUMN rollout_changed_at TEXT;
  ALTER TABLE releases ADD COLUMN current_at TEXT;
  UPDATE releases SET
    rollout_state = CASE status WHEN 'succeeded' THEN 'live' ELSE 'failed' END,
    rollout_reason = CASE status WHEN 'succeeded' THEN NULL WHEN 'failed' THEN 'the release command failed' ELSE 'interrupted by a server restart' END,
    rollout_changed_at = updated_at,
    current_at = CASE status WHEN 'succeeded' THEN created_at END;
  UPDATE apps SET current_release_id =
    (SELECT id FROM releases r WHERE r.app_id = apps.id AND r.status = 'succeeded' ORDER BY version DESC LIMIT 1);
  ALTER TABLE releases DROP COLUMN status;
  CREATE INDEX releases_rollout ON releases(rollout_state);
  CREATE INDEX builds_status ON builds(status);
  `,
  // 5: app.json healthchecks (Dokku's) are part of what a slug runs with, as its process types are.
  `ALTER TABLE slugs ADD COLUMN healthchecks TEXT NOT NULL DEFAULT '{}';`,
  // 6: scheduled jobs (app.json `cron`). A slug carries the jobs of the source it was built from, so
  // a release (and a rollback) runs its own; what the scheduler remembers of a job is keyed by its id.
  `
  ALTER TABLE slugs ADD COLUMN cron_jobs TEXT NOT NULL DEFAULT '[]';
  CREATE TABLE cron_job_states (
    app_id TEXT NOT NULL REFERENCES apps(id) ON DELETE CASCADE,
    job_id TEXT NOT NULL,
    suspended INTEGER NOT NULL DEFAULT 0,
    handled_through TEXT NOT NULL,
    last_dyno TEXT,
    last_started_at TEXT,
    last_trigger TEXT,
    last_finished_at TEXT,
    last_exit_code INTEGER,
    last_error TEXT,
    PRIMARY KEY (app_id, job_id)
  );
  `,
  // 7: teams (issue 15). A team owns apps (apps.team_id; owner_id stays the user who created or moved
  // it there); members have a role in the team; app_collaborators holds a user's permissions on one app:
  // a collaborator on a personal app, or a team member's (or outside collaborator's) grant on a team app.
  `
  CREATE TABLE teams (
    id TEXT PRIMARY KEY,
    name TEXT NOT NULL UNIQUE,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
  );
  CREATE TABLE team_members (
    team_id TEXT NOT NULL REFERENCES teams(id) ON DELETE CASCADE,
    user_id TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    role TEXT NOT NULL,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    PRIMARY KEY (team_id, user_id)
  );
  CREATE INDEX team_members_user ON team_members(user_id);
  ALTER TABLE apps ADD COLUMN team_id TEXT REFERENCES teams(id);
  CREATE INDEX apps_team ON apps(team_id);
  CREATE TABLE app_collaborators (
    app_id TEXT NOT NULL REFERENCES apps(id) ON DELETE CASCADE,
    user_id TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    permissions TEXT NOT NULL,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    PRIMARY KEY (app_id, user_id)
  );
  CREATE INDEX app_collaborators_user ON app_collaborators(user_id);
  `,
  // 8: the events table is the audit trail (one owner of "what happened"): each row also says from
  // which address and token, for which team, and the actor's email and app's name as they were then,
  // so it still reads after the user or app is gone. Append-only, enforced here too: triggers refuse
  // any UPDATE or DELETE, whatever code tries. Older rows get the names they can still be given.
  `
  ALTER TABLE events ADD COLUMN actor_email TEXT;
  ALTER TABLE events ADD COLUMN app_name TEXT;
  ALTER TABLE events ADD COLUMN team_id TEXT;
  ALTER TABLE events ADD COLUMN address TEXT;
  ALTER TABLE events ADD COLUMN token_id TEXT;
  UPDATE events SET actor_email = (SELECT email FROM users WHERE users.id = events.actor_id),
                    app_name = (SELECT name FROM apps WHERE apps.id = events.app_id);
  CREATE UNIQUE INDEX events_seq ON events(seq);
  CREATE INDEX events_actor ON events(actor_email, seq);
  CREATE INDEX events_team ON events(team_id, seq);
  CREATE TRIGGER events_no_update BEFORE UPDATE ON events BEGIN SELECT RAISE(ABORT, 'the audit trail is append-only'); END;
  CREATE TRIGGER events_no_delete BEFORE DELETE ON events BEGIN SELECT RAISE(ABORT, 'the audit trail is append-only'); END;
  `,
  // 9: usage metering (issue 15). Usage is derived from recorded intervals (instances, add-ons,
  // builds: start, end once known, and when this server last saw it running) and the router's
  // bytes per app per minute, each row with the app's owner and team when it was recorded. No foreign
  // key to apps or teams: a destroyed or transferred app's usage stays on the bill it was run up on. A
  // team's quota follows the team's name through a rename and goes with the team.
  `
  CREATE TABLE usage_intervals (
    kind TEXT NOT NULL,
    id TEXT NOT NULL,
    app_id TEXT NOT NULL,
    app_name TEXT NOT NULL,
    owner_id TEXT NOT NULL,
    team_id TEXT,
    item TEXT NOT NULL,
    process_type TEXT,
    started_at TEXT NOT NULL,
    ended_at TEXT,
    seen_at TEXT NOT NULL,
    PRIMARY KEY (kind, id)
  );
  CREATE INDEX usage_intervals_open ON usage_intervals(kind, ended_at);
  CREATE INDEX usage_intervals_started ON usage_intervals(started_at);
  CREATE TABLE router_bytes (
    id TEXT PRIMARY KEY,
    app_id TEXT NOT NULL,
    app_name TEXT NOT NULL,
    owner_id TEXT NOT NULL,
    team_id TEXT,
    minute TEXT NOT NULL,
    bytes INTEGER NOT NULL
  );
  CREATE INDEX router_bytes_minute ON router_bytes(minute);
  CREATE TABLE prices (item TEXT PRIMARY KEY, price REAL NOT NULL);
  CREATE TABLE team_quotas (
    team TEXT PRIMARY KEY REFERENCES teams(name) ON UPDATE CASCADE ON DELETE CASCADE,
    max_instances INTEGER,
    max_memory_mb INTEGER,
    max_addons INTEGER
  );
  `,
  // 10: the metrics history (issue 16). A series is an app's process type, its router or its platform
  // counts; a point is one encoded aggregate of a series over a minute (step 60, kept 48 h) or ten
  // (step 600, kept 30 days). Points name their series by a small integer and their time in epoch
  // minutes, so a point costs a few dozen bytes (docs/PERFORMANCE.md); deleting old points is a range
  // of the primary key per series. No foreign key to apps: the history forgets a destroyed app itself.
  `
  CREATE TABLE metric_series (
    id INTEGER PRIMARY KEY,
    app_id TEXT NOT NULL,
    kind TEXT NOT NULL,
    series TEXT NOT NULL,
    UNIQUE (app_id, kind, series)
  );
  CREATE TABLE metric_points (
    series_id INTEGER NOT NULL,
    step INTEGER NOT NULL,
    minute INTEGER NOT NULL,
    data TEXT NOT NULL,
    PRIMARY KEY (series_id, step, minute)
  ) WITHOUT ROWID;
  `,
  // 11: log drains (issue 16): where each app's stream is forwarded. The token is Heroku's `d.<uuid>`,
  // unique across apps since receivers tell drains apart by it; one drain per URL per app.
  `
  CREATE TABLE log_drains (
    id TEXT PRIMARY KEY,
    app_id TEXT NOT NULL REFERENCES apps(id) ON DELETE CASCADE,
    url TEXT NOT NULL,
    token TEXT NOT NULL UNIQUE,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    UNIQUE (app_id, url)
  );
  `,
  // 12: app webhooks (issue 16): subscriptions (secret and Authorization sealed at rest), the events
  // published to them, and one delivery per event and webhook with its last attempt and when the
  // next is due, so a restarted server resumes pending deliveries. Everything goes with its app.
  `
  CREATE TABLE webhooks (
    id TEXT PRIMARY KEY,
    app_id TEXT NOT NULL REFERENCES apps(id) ON DELETE CASCADE,
    url TEXT NOT NULL,
    include TEXT NOT NULL,
    level TEXT NOT NULL,
    sealed_secret TEXT NOT NULL,
    sealed_authorization TEXT,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
  );
  CREATE INDEX webhooks_app ON webhooks(app_id, created_at);
  CREATE TABLE webhook_events (
    id TEXT PRIMARY KEY,
    app_id TEXT NOT NULL REFERENCES apps(id) ON DELETE CASCADE,
    include TEXT NOT NULL,
    payload TEXT NOT NULL,
    created_at TEXT NOT NULL
  );
  CREATE INDEX webhook_events_app ON webhook_events(app_id, created_at);
  CREATE INDEX webhook_events_created ON webhook_events(created_at);
  CREATE TABLE webhook_deliveries (
    id TEXT PRIMARY KEY,
    app_id TEXT NOT NULL REFERENCES apps(id) ON DELETE CASCADE,
    webhook_id TEXT NOT NULL REFERENCES webhooks(id) ON DELETE CASCADE,
    event_id TEXT NOT NULL REFERENCES webhook_events(id) ON DELETE CASCADE,
    status TEXT NOT NULL,
    num_attempts INTEGER NOT NULL DEFAULT 0,
    next_attempt_at TEXT,
    last_attempt TEXT,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
  );
  CREATE INDEX webhook_deliveries_app ON webhook_deliveries(app_id);
  CREATE INDEX webhook_deliveries_webhook ON webhook_deliveries(webhook_id);
  CREATE INDEX webhook_deliveries_event ON webhook_deliveries(event_id);
  CREATE INDEX webhook_deliveries_due ON webhook_deliveries(next_attempt_at) WHERE next_attempt_at IS NOT NULL;
  `,
  // 13: automatic certificates (ACME, issue 17): the account per directory, per app on/off and the certificate last
  // issued, per hostname the order status. Private keys live sealed (SecretBox), never in clear.
  `
  CREATE TABLE acme_accounts (
    directory_url TEXT PRIMARY KEY,
    sealed_key TEXT NOT NULL,
    account_url TEXT NOT NULL
  );
  CREATE TABLE acme_apps (
    app_id TEXT PRIMARY KEY REFERENCES apps(id) ON DELETE CASCADE,
    enabled INTEGER NOT NULL DEFAULT 0,
    certificate_id TEXT,
    hostnames TEXT,
    not_before TEXT,
    not_after TEXT,
    updated_at TEXT NOT NULL
  );
  CREATE TABLE acme_hostnames (
    app_id TEXT NOT NULL REFERENCES apps(id) ON DELETE CASCADE,
    hostname TEXT NOT NULL,
    status TEXT NOT NULL,
    reason TEXT,
    failures INTEGER NOT NULL DEFAULT 0,
    next_attempt_at TEXT,
    updated_at TEXT NOT NULL,
    PRIMARY KEY (app_id, hostname)
  );
  `,
  // 14: an app's edge (issue 17). A hostname belongs to one app (UNIQUE across apps); a domain may be
  // tied to one of its app's certificates (Heroku's sni_endpoint), untied when that one is deleted.
  // Private keys arrive sealed (SecretBox). A feature row means the feature is on.
  `
  CREATE TABLE certificates (
    id TEXT PRIMARY KEY,
    app_id TEXT NOT NULL REFERENCES apps(id) ON DELETE CASCADE,
    name TEXT NOT NULL UNIQUE,
    origin TEXT NOT NULL CHECK (origin IN ('manual', 'acme')),
    certificate_chain TEXT NOT NULL,
    sealed_private_key TEXT NOT NULL,
    hostnames TEXT NOT NULL,
    starts_at TEXT NOT NULL,
    expires_at TEXT NOT NULL,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
  );
  CREATE INDEX certificates_app ON certificates(app_id);
  CREATE TABLE domains (
    id TEXT PRIMARY KEY,
    app_id TEXT NOT NULL REFERENCES apps(id) ON DELETE CASCADE,
    hostname TEXT NOT NULL UNIQUE,
    certificate_id TEXT REFERENCES certificates(id) ON DELETE SET NULL,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
  );
  CREATE INDEX domains_app ON domains(app_id);
  CREATE TABLE app_features (
    app_id TEXT NOT NULL REFERENCES apps(id) ON DELETE CASCADE,
    name TEXT NOT NULL,
    PRIMARY KEY (app_id, name)
  );
  `,
];
