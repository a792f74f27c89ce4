// What the add-on suites need outside npm: Debian's postgresql and redis-server packages, in the
// shape of test/support/require-dependency.ts's Dependency (structural, so src/ does not import test/).
import { existsSync } from 'node:fs';
import { findPostgres } from '../brokers/postgresql/postgres-binaries.js';

interface Dependency { name: string; check(): string | undefined; install: string }

export const REDIS_SERVER = '/usr/bin/redis-server';
export const REDIS_CLI = '/usr/bin/redis-cli';

export const postgresServer: Dependency = {
  name: "Debian's PostgreSQL server (initdb, postgres, psql, pg_dump)",
  check: () => (findPostgres() ? undefined : 'no /usr/lib/postgresql/<version>/bin/initdb'),
  install: 'apt-get install -y postgresql postgresql-client',
};

export const redisServer: Dependency = {
  name: "Debian's redis-server",
  check: () => (existsSync(REDIS_SERVER) && existsSync(REDIS_CLI) ? undefined : `no ${REDIS_SERVER} or ${REDIS_CLI}`),
  install: 'apt-get install -y redis-server',
};
