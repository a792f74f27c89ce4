// Runs SQL as the cluster's superuser through psql, argv only. Every statement is its own -c, so
// CREATE DATABASE (which may not run inside a transaction) works; the password travels in the env.
import { runChecked } from '../../../platform/exec.js';
import type { PostgresBinaries } from './postgres-binaries.js';

export const SUPERUSER = 'berth_admin';

/** A role or database name: only names Berth generated ([a-z0-9_]) are ever quoted into SQL. */
export function quoteIdent(name: string): string {
  if (!/^[a-z_][a-z0-9_]{0,62}$/.test(name)) throw new Error(`refusing to use ${JSON.stringify(name)} as an SQL identifier`);
  return `"${name}"`;
}

/** Passwords are hex (see newPassword); anything else is refused rather than escaped. */
export function quotePassword(password: string): string {
  if (!/^[0-9a-f]{16,128}$/.test(password)) throw new Error('refusing a password that is not generated hex');
  return `'${password}'`;
}

export interface SqlTarget {
  bins: PostgresBinaries;
  port: number;
  password: string;
}

/** Runs each statement separately, stopping at the first error; returns psql's unaligned output. */
export function runSql(target: SqlTarget, statements: string[], database = 'postgres'): Promise<string> {
  const args = ['-X', '-q', '-At', '-v', 'ON_ERROR_STOP=1', '-h', '127.0.0.1', '-p', String(target.port), '-U', SUPERUSER, '-d', database];
  for (const s of statements) args.push('-c', s);
  return runChecked(target.bins.bin('psql'), args, {
    env: { PATH: process.env.PATH, PGPASSWORD: target.password, PGCONNECT_TIMEOUT: '5' },
  });
}
