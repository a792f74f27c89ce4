// The redis.conf of one add-on: loopback (and the docker bridge gateway) only, the plan's
// maxmemory, persistence on, and two ACL users: the tenant's (`default`, what REDIS_URL carries)
// with the data commands only, and Berth's own for health checks and management.
import { createHash } from 'node:crypto';
import { isIPv4 } from 'node:net';

/** Berth's own Redis user: the only one that may run admin commands (CONFIG, SHUTDOWN, ACL…). */
export const REDIS_ADMIN_USER = 'berth';

/**
 * The tenant's rights: every command but the `@admin` and `@dangerous` ones (CONFIG, SHUTDOWN,
 * DEBUG, MODULE, REPLICAOF/SLAVEOF, ACL, SAVE/BGSAVE, MONITOR, CLIENT KILL/PAUSE, MIGRATE…), then
 * back the few of those that only touch the tenant's own server and that client libraries need:
 * INFO (Bull, Sidekiq read the version), FLUSHDB/FLUSHALL, KEYS, SORT, SWAPDB, CLIENT LIST, LASTSAVE.
 * Limits are enforced by the server's configuration, which the tenant can neither read nor change.
 */
export const TENANT_RIGHTS = [
  '~*', '&*', '+@all', '-@admin', '-@dangerous',
  '+info', '+flushdb', '+flushall', '+keys', '+sort', '+sort_ro', '+swapdb', '+client|list', '+lastsave',
];

export interface RedisConfigInput {
  port: number;
  /** The tenant's password (REDIS_URL's). */
  password: string;
  /** Berth's own password, for the `berth` user. */
  adminPassword: string;
  maxMemoryMb: number;
  dataDir: string;
  /** Addresses to bind, loopback first. */
  listen: string[];
}

/** Only the hash goes into the file: the config is readable by the servers' group. */
const passwordHash = (password: string): string => `#${createHash('sha256').update(password).digest('hex')}`;

/** Values are Berth's own (a port, hex, a number, a path it made); none comes from users. */
export function redisConfig(c: RedisConfigInput): string {
  if (!/^[0-9a-f]+$/.test(c.password) || !/^[0-9a-f]+$/.test(c.adminPassword)) throw new Error('redis passwords must be generated hex');
  if (c.listen.length === 0 || c.listen.some((a) => !isIPv4(a))) throw new Error(`redis listen addresses must be IPv4 literals: ${c.listen.join(' ')}`);
  if (/[\s"']/.test(c.dataDir)) throw new Error(`redis data dir must not contain spaces or quotes: ${c.dataDir}`);
  return [
    '# Written by Berth; one redis-server per add-on.',
    // `-`: an address that is not up (docker0 gone) is skipped instead of failing the start.
    `bind ${c.listen.map((a, i) => (i === 0 ? a : `-${a}`)).join(' ')}`,
    'protected-mode yes',
    `port ${Math.floor(c.port)}`,
    'daemonize no',
    // `default` is the user a password-only AUTH (every client library's default) logs in as.
    `user default on ${passwordHash(c.password)} ${TENANT_RIGHTS.join(' ')}`,
    `user ${REDIS_ADMIN_USER} on ${passwordHash(c.adminPassword)} ~* &* +@all`,
    // Not even Berth's user needs these; off, they cannot be turned on without a restart.
    'enable-debug-command no',
    'enable-module-command no',
    'enable-protected-configs no',
    `maxmemory ${Math.floor(c.maxMemoryMb)}mb`,
    // An add-on is a store, not a cache: refuse writes when full rather than silently evict data.
    'maxmemory-policy noeviction',
    `dir ${c.dataDir}`,
    'appendonly yes',
    'appendfsync everysec',
    'save 3600 1 300 100 60 10000',
    'loglevel notice',
    '',
  ].join('\n');
}
