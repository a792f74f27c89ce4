// Small files only Berth's own user may read (tokens, pid files, the router's route snapshot),
// written atomically: a reader sees the old content or the new one, never half of either.
import { randomBytes } from 'node:crypto';
import { linkSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';

const tempName = (path: string) => `${path}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`;

/** Replaces `path` with `data` (mode 0600) through a rename. */
export function writePrivateFile(path: string, data: string): void {
  mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
  const tmp = tempName(path);
  try {
    writeFileSync(tmp, data, { mode: 0o600 });
    renameSync(tmp, path);
  } catch (e) {
    rmSync(tmp, { force: true });
    throw e;
  }
}

/**
 * Creates `path` with `data` (mode 0600) unless it exists, and returns what the file holds: when
 * two processes start at once, the first link wins and both read the winner's content.
 */
export function createPrivateFileOnce(path: string, data: string): string {
  mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
  const tmp = tempName(path);
  try {
    writeFileSync(tmp, data, { mode: 0o600 });
    // link() fails with EEXIST instead of replacing, unlike rename().
    linkSync(tmp, path);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
  } finally {
    rmSync(tmp, { force: true });
  }
  return readFileSync(path, 'utf8');
}

/** The file's text, or undefined when it does not exist. */
export function readOptionalFile(path: string): string | undefined {
  try {
    return readFileSync(path, 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw e;
  }
}
