// The resources of Berth's HTTP API, shaped exactly as Heroku's Platform API v3 returns them.

export interface Ref { id: string; name: string }
export interface UserRef { id: string; email: string }

export interface Account {
  id: string;
  email: string;
  name: string | null;
  created_at: string;
  updated_at: string;
  admin: boolean;
}

export interface Authorization {
  id: string;
  description: string;
  scope: string[];
  access_token: { id: string; token?: string; expires_in: number | null } | null;
  user: UserRef;
  created_at: string;
  updated_at: string;
  /** Berth extension: true on the authorization whose token made this request. */
  current?: boolean;
}

/** CPUs (1 = one core) and bytes of memory. */
export interface NodeResources {
  cpus: number;
  memory_bytes: number;
}

/** A machine of the fleet (`GET /nodes`, admin only; swarm runtime). */
export interface FleetNode {
  id: string;
  name: string;
  address: string;
  role: 'manager' | 'worker';
  leader: boolean;
  /** `draining`: Berth is moving its instances away; `drain` once it is empty. */
  availability: 'active' | 'draining' | 'drain' | 'pause';
  state: 'ready' | 'down' | 'disconnected' | 'unknown';
  instances: number;
  capacity: NodeResources;
  reserved: NodeResources;
  /** null when Berth cannot ask the node's engine. */
  used: NodeResources | null;
}

export interface NodeJoinCommand {
  commands: string[];
  ports: string[];
}

export interface AdminUser {
  id: string;
  email: string;
  created_at: string;
  admin?: boolean;
  /** Present only when the server generated the password; shown once. */
  password?: string;
}

export interface AppInfo {
  id: string;
  name: string;
  created_at: string;
  updated_at: string;
  released_at: string | null;
  maintenance: boolean;
  owner: UserRef;
  stack: Ref;
  build_stack: Ref;
  region: Ref;
  web_url: string;
  git_url: string;
  buildpack_provided_description: string | null;
  slug_size: number | null;
  repo_size: number | null;
  /** The owning team of a team app; null (or absent from older servers) for a personal app. */
  team?: Ref | null;
}

export interface Stack {
  id: string;
  name: string;
  state: string;
  default: boolean;
}

export interface Feature {
  id: string;
  name: string;
  description: string;
  doc_url: string;
  enabled: boolean;
  state: string;
}

export interface BuildpackInstallation {
  ordinal: number;
  buildpack: { url: string; name: string };
}

export type ConfigVars = Record<string, string>;

export interface Release {
  id: string;
  version: number;
  description: string;
  status: 'pending' | 'succeeded' | 'failed';
  /** Berth's additions: why a release failed or was superseded, and where its rollout stands. */
  status_reason?: string | null;
  rollout?: { state: 'pending' | 'releasing' | 'live' | 'failed' | 'superseded'; reason: string | null; changed_at: string };
  created_at: string;
  updated_at: string;
  current: boolean;
  user: UserRef;
  app: Ref;
  slug: { id: string } | null;
  addon_plan_names: string[];
  output_stream_url: string | null;
}

export interface Formation {
  id: string;
  app: Ref;
  type: string;
  quantity: number;
  size: string;
  command: string;
  created_at: string;
  updated_at: string;
}

export interface FormationUpdate { type: string; quantity?: number; size?: string }

export interface Source { source_blob: { put_url: string; get_url: string } }

export interface Build {
  id: string;
  app: { id: string };
  status: 'pending' | 'succeeded' | 'failed';
  output_stream_url: string | null;
  source_blob: { url: string; version: string | null };
  release: { id: string; version?: number } | null;
  slug: { id: string } | null;
  user: UserRef;
  created_at: string;
  updated_at: string;
}

export interface Dyno {
  id: string;
  name: string;
  type: string;
  size: string;
  state: string;
  command: string;
  release: { id: string; version: number };
  app: Ref;
  /** One-off dynos started with attach: Heroku's TLS rendezvous (rendezvous://…), which the heroku CLI speaks. */
  attach_url?: string | null;
  /** The same dyno's websocket, which Berth's CLI speaks: stdout and stderr apart, and the exit code. */
  attach_websocket_url?: string | null;
  created_at: string;
  updated_at: string;
  /** Berth's field (not in Heroku's dyno): the node it runs on, on the swarm runtime. */
  node?: { id: string; name: string } | null;
}

/** Heroku's fields, plus Berth's history search: `since` / `until` (ISO 8601) and `grep` (text in the message). */
export interface LogSessionRequest { tail?: boolean; lines?: number; source?: string; dyno?: string; since?: string; until?: string; grep?: string }
export interface LogSession { id?: string; logplex_url: string; created_at?: string; updated_at?: string }

/** Heroku's log-drain: where the app's log stream is forwarded (`addon` is always null on Berth). */
export interface LogDrain {
  id: string;
  url: string;
  /** `d.<uuid>`: the syslog HOSTNAME and `Logplex-Drain-Token` of what the drain receives. */
  token: string;
  addon: null;
  app: { id: string; name: string };
  created_at: string;
  updated_at: string;
}

/** A scheduled job of the app's current release (app.json `cron`); Berth's own resource. */
export interface CronJob {
  id: string;
  command: string;
  /** Cron syntax, UTC. */
  schedule: string;
  concurrency_policy: 'forbid' | 'allow' | 'replace';
  suspended: boolean;
  next_run_at: string | null;
  /** Its runs going now (`scheduler.N`). */
  running: string[];
  last_run: {
    dyno: string | null;
    trigger: 'schedule' | 'catch-up' | 'manual';
    started_at: string;
    finished_at: string | null;
    exit_code: number | null;
    error: string | null;
  } | null;
}

/** One entry of the audit trail (`GET /audit-events`). */
export interface AuditEvent {
  id: string;
  seq: number;
  action: string;
  actor: { id: string | null; email: string | null } | null;
  app: { id: string | null; name: string | null } | null;
  team: { id: string } | null;
  data: Record<string, unknown>;
  address: string | null;
  token: { id: string } | null;
  created_at: string;
}

/** `GET /audit-events` filters; times are ISO 8601. */
export interface AuditEventFilter {
  actor?: string;
  app?: string;
  team?: string;
  action?: string;
  since?: string;
  until?: string;
}

/** One item of the operator's price list (`GET /prices`): sizes and add-on plans per hour, builds per minute, router bytes per GB. */
export interface PriceItem {
  item: string;
  kind: 'instance' | 'addon' | 'build' | 'router';
  unit: 'hour' | 'minute' | 'GB';
  price: number;
}

/** One rated line of a month's usage (`GET /usage`). */
export interface UsageLine {
  app: { id: string; name: string };
  kind: 'instance' | 'addon' | 'build' | 'router';
  item: string;
  process_type: string | null;
  quantity: number;
  unit: 'seconds' | 'bytes';
  unit_price: number;
  price_unit: 'hour' | 'minute' | 'GB';
  amount: number;
}

export interface UsageReport {
  month: string;
  scope: string;
  period_start: string;
  period_end: string;
  lines: UsageLine[];
  total: number;
}

/** An app's kept metric series (`GET /apps/{app}/metrics`): `times` once, each series' values in step with it. */
export interface MetricsPage {
  app: { id: string; name: string };
  since: string;
  until: string;
  /** Seconds per point. */
  step: number;
  times: string[];
  metrics: Array<{
    name: string;
    unit: 'percent' | 'bytes' | 'count' | 'milliseconds';
    /** label: the process type (instance metrics), the error code (router-errors), or null. */
    series: Array<{ label: string | null; values: Array<number | null> }>;
  }>;
}

/** A team's quotas and what its apps use now (`GET /teams/{team}/quotas`); null: no limit. */
export interface TeamQuota {
  team: { name: string };
  max_instances: number | null;
  max_memory_mb: number | null;
  max_addons: number | null;
  use: { instances: number; memory_mb: number; addons: number };
}

/** `GET /metrics/token`: the scrape token a Prometheus server sends to `GET /metrics` (admin only). */
export interface MetricsScrapeToken { token: string; path: string }
