// Finds Debian's PostgreSQL programs: /usr/lib/postgresql/<version>/bin, the newest version installed.
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';

export const DEBIAN_POSTGRES_ROOT = '/usr/lib/postgresql';

export interface PostgresBinaries {
  version: string;
  bin(program: 'initdb' | 'postgres' | 'psql' | 'pg_dump' | 'pg_restore' | 'pg_isready'): string;
}

export function findPostgres(root = DEBIAN_POSTGRES_ROOT): PostgresBinaries | undefined {
  const versions = (existsSync(root) ? readdirSync(root) : [])
    .filter((v) => /^\d+(\.\d+)?$/.test(v) && existsSync(join(root, v, 'bin', 'initdb')))
    .sort((a, b) => Number(b) - Number(a));
  const version = versions[0];
  if (!version) return undefined;
  return { version, bin: (program) => join(root, version, 'bin', program) };
}
