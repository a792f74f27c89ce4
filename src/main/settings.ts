// Every setting, read once from the environment, with the documented defaults.
import { OutboundPolicy } from '../platform/outbound-policy.js';
import { isIPv4 } from 'node:net';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { DEFAULT_ONE_OFF_LIFETIME_MS } from '../domain/one-off-limits.js';
import { DEFAULT_RELEASE_TIMEOUT_MS } from '../services/release-owner.js';
import { DEFAULT_MAX_CONNECTIONS } from '../addons/brokers/postgresql/connection-budget.js';
import { currentPrivileges, type Privileges } from '../platform/privileges.js';
import { DEFAULT_LOG_HISTORY_LIMITS, type LogHistoryLimits } from '../logs/app-log-history.js';
import { parseDuration } from '../domain/time-bounds.js';

export type RuntimeChoice = 'auto' | 'local' | 'docker' | 'swarm';

/** How to reach a Docker engine: a unix socket, or plain TCP (a private network only: the API has no authentication). */
export type SwarmManagerAddress = { socketPath: string } | { host: string; port: number };

export interface Settings {
  home: string;
  apiPort: number;
  apiHost: string;
  routerPort: number;
  routerHost: string;
  /** The router's HTTPS listener (BERTH_ROUTER_HTTPS_PORT, default 8443; 443 in production), on the router's host. */
  routerHttpsPort: number;
  /**
   * The HTTPS port clients use, where `http-redirect` sends them (BERTH_ROUTER_HTTPS_PUBLIC_PORT;
   * default the listening port; 443 when a port forward puts the router behind it).
   */
  routerHttpsPublicPort: number;
  /** Where the heroku CLI attaches to one-offs over TLS (BERTH_RENDEZVOUS_PORT, default 5001, on the API's host; 0 picks a free one). */
  rendezvousPort: number;
  baseDomain: string;
  runtime: RuntimeChoice;
  /**
   * Where the image registry Berth runs for a swarm listens: an address of this machine every node
   * reaches, and a port (BERTH_SWARM_REGISTRY=host:port, default port 5443). Needed by `swarm` only.
   */
  swarmRegistry?: { host: string; port: number };
  /**
   * The networks (IPv4 CIDR) the swarm nodes' addresses are in, admitted to the add-on servers
   * (BERTH_SWARM_NODE_NETWORKS, comma-separated; default the subnet of the interface carrying
   * BERTH_SWARM_REGISTRY's host).
   */
  swarmNodeNetworks?: string[];
  /**
   * The engine of the swarm manager Berth drives (BERTH_SWARM_MANAGER=tcp://host:port or
   * unix:///path). Unset: the engine Berth builds on (DOCKER_HOST or the local socket), as on a
   * fleet where Berth runs on a manager. Builds always stay on Berth's own engine.
   */
  swarmManager?: SwarmManagerAddress;
  /** How users reach the API; printed in git URLs and log-session URLs. */
  apiUrl: string;
  /** How a router reaches the API's internal endpoints (BERTH_INTERNAL_API_URL; default the API port on loopback). */
  internalApiUrl: string;
  adminEmail?: string;
  adminPassword?: string;
  /** Builds of different apps that may run at once (BERTH_BUILD_CONCURRENCY, default 2). */
  buildConcurrency: number;
  /** A web instance must bind $PORT within this many ms (BERTH_BOOT_TIMEOUT seconds, default 60). */
  bootTimeoutMs: number;
  /** One-off dynos are stopped after this long (BERTH_ONE_OFF_MAX_LIFETIME seconds, default 86400 = 24 h, as Heroku). */
  oneOffMaxLifetimeMs: number;
  /** A deploy's `release:` command is stopped, and its release failed, after this long (BERTH_RELEASE_TIMEOUT seconds, default 3600, as Heroku's release phase). */
  releaseTimeoutMs: number;
  /** The add-on PostgreSQL server's max_connections, which its plans' role limits fill (BERTH_PG_MAX_CONNECTIONS, default 500). */
  pgMaxConnections: number;
  /** The host bridge local instances' network namespaces hang off (BERTH_SANDBOX_BRIDGE, default berth0). */
  sandboxBridge?: string;
  /** Its IPv4 network (BERTH_SANDBOX_SUBNET, default 10.213.0.0/16); the host takes the first address. */
  sandboxSubnet?: string;
  /** The npm registry Node.js releases come from (npm's own `npm_config_registry` / `NPM_CONFIG_REGISTRY`, default registry.npmjs.org). */
  npmRegistry?: string;
  /** Where verified Node.js release tarballs are kept for every app (BERTH_NODE_RELEASES_DIR, default BERTH_HOME/node-releases); several Berths may share one. */
  nodeReleasesDir: string;
  /** What an app without engines.node runs (BERTH_NODE_DEFAULT): `lts` (default, downloaded) or `stack` (the stack's Node.js, no download). */
  nodeDefault: 'lts' | 'stack';
  /** The Docker client configuration whose `auths` a Dockerfile build's pulls use (BERTH_DOCKER_CONFIG; default `$DOCKER_CONFIG/config.json` or `~/.docker/config.json`, where `docker login` writes). */
  dockerConfig: string;
  /**
   * Each app's log history on disk: kept BERTH_LOG_RETENTION (a duration: `7d` default, `36h`, or
   * seconds), and at most BERTH_LOG_MAX_APP_MB megabytes per app (default 100), oldest deleted first.
   */
  logHistory: LogHistoryLimits;
  /** PEM CA certificates log drains trust besides the system's, for syslog+tls:// and https:// drains (BERTH_DRAIN_CA_FILE). */
  drainCaFile?: string;
  /**
   * Where app webhooks and log drains may connect: public addresses, plus the addresses and CIDR
   * ranges in BERTH_OUTBOUND_ALLOW (comma-separated; a LAN syslog server, say).
   */
  outbound: OutboundPolicy;
  /** The API (and git) also over HTTPS on this port (BERTH_API_HTTPS_PORT; unset: none; 0 picks a free one), on the API's host. */
  apiHttpsPort?: number;
  /** The operator's own certificate chain and key for that listener (BERTH_API_TLS_CERT, BERTH_API_TLS_KEY: PEM files); unset: one Berth makes at first start. */
  apiTls?: { certFile: string; keyFile: string };
  /**
   * The operator's certificate chain and key the router serves over HTTPS for every name no app's
   * own certificate covers: a wildcard for `*.BERTH_BASE_DOMAIN`, so each app's default hostname
   * is trusted (BERTH_ROUTER_TLS_CERT, BERTH_ROUTER_TLS_KEY: PEM files); unset: a self-signed one.
   */
  routerTls?: { certFile: string; keyFile: string };
  /** Automatic certificates: the ACME directory (BERTH_ACME_DIRECTORY_URL, default Let's Encrypt production). */
  acmeDirectoryUrl: string;
  /** PEM file of CA certificates to trust for that directory besides the system's (BERTH_ACME_CA_BUNDLE: a private ACME server such as Pebble). */
  acmeCaBundle?: string;
  /** The contact the CA sends expiry and account notices to (BERTH_ACME_EMAIL). */
  acmeEmail?: string;
  /** How often certificates are checked for renewal (BERTH_ACME_CHECK_INTERVAL seconds, default 600). */
  acmeCheckEveryMs: number;
}

export const LETS_ENCRYPT_DIRECTORY_URL = 'https://acme-v02.api.letsencrypt.org/directory';

/** `<prefix>_CERT` and `<prefix>_KEY`: an operator's certificate chain and key, both or neither. */
function tlsPair(env: NodeJS.ProcessEnv, prefix: 'BERTH_API_TLS' | 'BERTH_ROUTER_TLS'): { certFile: string; keyFile: string } | undefined {
  const certFile = env[`${prefix}_CERT`] || undefined;
  const keyFile = env[`${prefix}_KEY`] || undefined;
  if (!certFile && !keyFile) return undefined;
  if (!certFile || !keyFile) throw new Error(`${prefix}_CERT and ${prefix}_KEY go together: the certificate chain and its key, both PEM files`);
  return { certFile, keyFile };
}

function positiveInt(env: NodeJS.ProcessEnv, name: string, fallback: number): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 1) throw new Error(`${name} must be a positive whole number, got ${JSON.stringify(raw)}`);
  return n;
}

function port(env: NodeJS.ProcessEnv, name: string, fallback: number): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 0 || n > 65535) throw new Error(`${name} must be a port number (0-65535), got ${JSON.stringify(raw)}`);
  return n;
}

/** Node timers fire at once past ~24.8 days, which would stop every one-off as it starts. */
const MAX_TIMER_SECONDS = Math.floor((2 ** 31 - 1) / 1000);

/** A duration in whole seconds that a timer will wait for, as milliseconds. */
function timerMs(env: NodeJS.ProcessEnv, name: string, fallbackMs: number): number {
  const seconds = positiveInt(env, name, fallbackMs / 1000);
  if (seconds > MAX_TIMER_SECONDS) throw new Error(`${name} must be at most ${MAX_TIMER_SECONDS} seconds, got ${seconds}`);
  return seconds * 1000;
}

function logHistory(env: NodeJS.ProcessEnv): LogHistoryLimits {
  const raw = env.BERTH_LOG_RETENTION;
  const retentionMs = raw === undefined || raw === '' ? DEFAULT_LOG_HISTORY_LIMITS.retentionMs : parseDuration(raw);
  if (retentionMs === undefined || retentionMs < 1000) throw new Error(`BERTH_LOG_RETENTION must be a duration such as 7d, 36h or 3600 (seconds), got ${JSON.stringify(raw)}`);
  const maxMb = positiveInt(env, 'BERTH_LOG_MAX_APP_MB', DEFAULT_LOG_HISTORY_LIMITS.maxBytesPerApp / (1024 * 1024));
  return { retentionMs, maxBytesPerApp: maxMb * 1024 * 1024 };
}

function nodeDefault(env: NodeJS.ProcessEnv): 'lts' | 'stack' {
  const raw = env.BERTH_NODE_DEFAULT || 'lts';
  if (raw !== 'lts' && raw !== 'stack') throw new Error(`BERTH_NODE_DEFAULT must be lts or stack, got ${JSON.stringify(raw)}`);
  return raw;
}

/** `10.0.0.0/24,192.168.4.0/22` → the CIDRs; they go into pg_hba.conf, so nothing but a plain IPv4 CIDR passes. */
function ipv4Networks(name: string, raw: string): string[] {
  const cidrs = raw.split(',').map((c) => c.trim()).filter((c) => c !== '');
  for (const c of cidrs) {
    const [address, bits] = c.split('/');
    if (!address || !isIPv4(address) || !/^\d{1,2}$/.test(bits ?? '') || Number(bits) > 32) throw new Error(`${name} must be IPv4 networks like 10.0.0.0/24, comma-separated, got ${JSON.stringify(c)}`);
  }
  return cidrs;
}

/** `10.0.0.5:5443`, `berth.internal`, `[fd00::1]:5443` → host and port. */
function registryAddress(raw: string | undefined): { host: string; port: number } | undefined {
  if (!raw) return undefined;
  const m = /^(\[[0-9a-fA-F:]+\]|[A-Za-z0-9.-]+)(?::(\d{1,5}))?$/.exec(raw);
  const portNumber = Number(m?.[2] ?? 5443);
  if (!m || portNumber < 1 || portNumber > 65535) throw new Error(`BERTH_SWARM_REGISTRY must be host[:port], got ${JSON.stringify(raw)}`);
  return { host: m[1]!.replace(/^\[|\]$/g, ''), port: portNumber };
}

/** `tcp://10.0.0.5:2375`, `unix:///var/run/docker.sock` → how dockerode reaches that engine. */
function engineAddress(raw: string | undefined): SwarmManagerAddress | undefined {
  if (!raw) return undefined;
  const unix = /^unix:\/\/(\/.+)$/.exec(raw);
  if (unix) return { socketPath: unix[1]! };
  const tcp = /^tcp:\/\/(\[[0-9a-fA-F:]+\]|[A-Za-z0-9.-]+):(\d{1,5})$/.exec(raw);
  const portNumber = Number(tcp?.[2]);
  if (!tcp || portNumber < 1 || portNumber > 65535) throw new Error(`BERTH_SWARM_MANAGER must be tcp://host:port or unix:///path, got ${JSON.stringify(raw)}`);
  return { host: tcp[1]!.replace(/^\[|\]$/g, ''), port: portNumber };
}

export function readSettings(env: NodeJS.ProcessEnv = process.env, privileges: Privileges = currentPrivileges()): Settings {
  const home = env.BERTH_HOME || (privileges.root ? '/var/lib/berth' : join(homedir(), '.berth'));
  const apiPort = port(env, 'BERTH_API_PORT', 5000);
  const runtime = (env.BERTH_RUNTIME || 'auto') as RuntimeChoice;
  if (!['auto', 'local', 'docker', 'swarm'].includes(runtime)) throw new Error(`BERTH_RUNTIME must be auto, local, docker or swarm, got ${JSON.stringify(runtime)}`);
  const swarmRegistry = registryAddress(env.BERTH_SWARM_REGISTRY);
  const swarmManager = engineAddress(env.BERTH_SWARM_MANAGER);
  const apiHost = env.BERTH_API_HOST || '0.0.0.0';
  const baseDomain = (env.BERTH_BASE_DOMAIN || 'localhost').toLowerCase();
  if (!/^[a-z0-9.-]+$/.test(baseDomain)) throw new Error(`BERTH_BASE_DOMAIN must be a domain name, got ${JSON.stringify(baseDomain)}`);
  return {
    home,
    apiPort,
    apiHost,
    routerPort: port(env, 'BERTH_ROUTER_PORT', 8080),
    routerHost: env.BERTH_ROUTER_HOST || '0.0.0.0',
    routerHttpsPort: port(env, 'BERTH_ROUTER_HTTPS_PORT', 8443),
    routerHttpsPublicPort: port(env, 'BERTH_ROUTER_HTTPS_PUBLIC_PORT', port(env, 'BERTH_ROUTER_HTTPS_PORT', 8443)),
    rendezvousPort: port(env, 'BERTH_RENDEZVOUS_PORT', 5001),
    baseDomain,
    runtime,
    ...(swarmRegistry ? { swarmRegistry } : {}),
    ...(env.BERTH_SWARM_NODE_NETWORKS ? { swarmNodeNetworks: ipv4Networks('BERTH_SWARM_NODE_NETWORKS', env.BERTH_SWARM_NODE_NETWORKS) } : {}),
    ...(swarmManager ? { swarmManager } : {}),
    apiUrl: env.BERTH_API_URL || `http://localhost:${apiPort}`,
    internalApiUrl: env.BERTH_INTERNAL_API_URL || `http://${loopbackFor(apiHost)}:${apiPort}`,
    adminEmail: env.BERTH_ADMIN_EMAIL || undefined,
    adminPassword: env.BERTH_ADMIN_PASSWORD || undefined,
    buildConcurrency: positiveInt(env, 'BERTH_BUILD_CONCURRENCY', 2),
    bootTimeoutMs: positiveInt(env, 'BERTH_BOOT_TIMEOUT', 60) * 1000,
    oneOffMaxLifetimeMs: timerMs(env, 'BERTH_ONE_OFF_MAX_LIFETIME', DEFAULT_ONE_OFF_LIFETIME_MS),
    releaseTimeoutMs: timerMs(env, 'BERTH_RELEASE_TIMEOUT', DEFAULT_RELEASE_TIMEOUT_MS),
    pgMaxConnections: positiveInt(env, 'BERTH_PG_MAX_CONNECTIONS', DEFAULT_MAX_CONNECTIONS),
    sandboxBridge: env.BERTH_SANDBOX_BRIDGE || undefined,
    sandboxSubnet: env.BERTH_SANDBOX_SUBNET || undefined,
    npmRegistry: env.npm_config_registry || env.NPM_CONFIG_REGISTRY || undefined,
    nodeReleasesDir: env.BERTH_NODE_RELEASES_DIR || join(home, 'node-releases'),
    nodeDefault: nodeDefault(env),
    dockerConfig: env.BERTH_DOCKER_CONFIG || join(env.DOCKER_CONFIG || join(homedir(), '.docker'), 'config.json'),
    logHistory: logHistory(env),
    ...(env.BERTH_DRAIN_CA_FILE ? { drainCaFile: env.BERTH_DRAIN_CA_FILE } : {}),
    outbound: OutboundPolicy.fromSetting(env.BERTH_OUTBOUND_ALLOW),
    ...(env.BERTH_API_HTTPS_PORT ? { apiHttpsPort: port(env, 'BERTH_API_HTTPS_PORT', 0) } : {}),
    ...(tlsPair(env, 'BERTH_API_TLS') ? { apiTls: tlsPair(env, 'BERTH_API_TLS') } : {}),
    ...(tlsPair(env, 'BERTH_ROUTER_TLS') ? { routerTls: tlsPair(env, 'BERTH_ROUTER_TLS') } : {}),
    acmeDirectoryUrl: acmeDirectory(env.BERTH_ACME_DIRECTORY_URL),
    acmeCaBundle: env.BERTH_ACME_CA_BUNDLE || undefined,
    acmeEmail: env.BERTH_ACME_EMAIL || undefined,
    acmeCheckEveryMs: timerMs(env, 'BERTH_ACME_CHECK_INTERVAL', 600_000),
  };
}

function acmeDirectory(raw: string | undefined): string {
  if (!raw) return LETS_ENCRYPT_DIRECTORY_URL;
  let url: URL | undefined;
  try { url = new URL(raw); } catch { /* reported below */ }
  if (url?.protocol !== 'https:') throw new Error(`BERTH_ACME_DIRECTORY_URL must be an https:// URL (RFC 8555 requires TLS), got ${JSON.stringify(raw)}`);
  return raw;
}

/** Where a process on this host reaches a server listening on `host`. */
function loopbackFor(host: string): string {
  if (host === '0.0.0.0' || host === '') return '127.0.0.1';
  if (host === '::') return '[::1]';
  return host.includes(':') ? `[${host}]` : host;
}

/** The named subfolders of BERTH_HOME. */
export const homePaths = (home: string) => ({
  db: join(home, 'db', 'berth.sqlite'),
  slugs: join(home, 'slugs'),
  repos: join(home, 'repos'),
  builds: join(home, 'builds'),
  /** Workspaces of running local builds (source, config, cache): emptied at start. */
  buildWork: join(home, 'build-work'),
  cache: join(home, 'cache'),
  sources: join(home, 'sources'),
  logs: join(home, 'logs'),
  runtime: join(home, 'runtime'),
  addons: join(home, 'addons'),
  backups: join(home, 'backups'),
  /** Certificates Berth made for itself (the rendezvous's); public halves readable, keys 0600. */
  tls: join(home, 'tls'),
  /** What Berth's own processes share: pid files, the internal token, the router's route snapshot. */
  run: join(home, 'run'),
});
