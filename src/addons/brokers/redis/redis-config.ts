// The redis.conf of one add-on: loopback (and the docker bridge gateway) only, a password, the
// plan's maxmemory, persistence on.
import { isIPv4 } from 'node:net';

export interface RedisConfigInput {
  port: number;
  password: string;
  maxMemoryMb: number;
  dataDir: string;
  /** Addresses to bind, loopback first. */
  listen: string[];
}

/** Values are Berth's own (a port, hex, a number, a path it made); none comes from users. */
export function redisConfig(c: RedisConfigInput): string {
  if (!/^[0-9a-f]+$/.test(c.password)) throw new Error('redis password must be generated hex');
  if (c.listen.length === 0 || c.listen.some((a) => !isIPv4(a))) throw new Error(`redis listen addresses must be IPv4 literals: ${c.listen.join(' ')}`);
  if (/[\s"']/.test(c.dataDir)) throw new Error(`redis data dir must not contain spaces or quotes: ${c.dataDir}`);
  return [
    '# Written by Berth; one redis-server per add-on.',
    // `-`: an address that is not up (docker0 gone) is skipped instead of failing the start.
    `bind ${c.listen.map((a, i) => (i === 0 ? a : `-${a}`)).join(' ')}`,
    'protected-mode yes',
    `port ${Math.floor(c.port)}`,
    'daemonize no',
    `requirepass ${c.password}`,
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
