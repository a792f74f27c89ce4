// Streams a directory as a tar archive (build contexts, files put into containers) with GNU tar,
// run with an argv array. Entries can be re-rooted under a prefix and given to a numeric owner.
import { spawn } from 'node:child_process';
import type { Readable } from 'node:stream';

export interface TarOptions {
  /** Entries appear under this path inside the archive (no leading slash), e.g. `workspace/src`. */
  prefix?: string;
  /** Numeric uid:gid every entry is owned by. */
  owner?: { uid: number; gid: number };
  /** Only these entries of dir (default: everything). */
  entries?: string[];
}

export function tarDirectory(dir: string, opts: TarOptions = {}): Readable {
  const args = ['-C', dir, '-c', '--numeric-owner'];
  if (opts.owner) args.push(`--owner=${opts.owner.uid}`, `--group=${opts.owner.gid}`);
  // The prefix is Berth's own constant text, never user data; `,` cannot appear in it.
  if (opts.prefix) {
    if (!/^[a-z0-9/_.-]+$/.test(opts.prefix)) throw new Error(`tar prefix ${opts.prefix} is not a plain path`);
    args.push(`--transform=s,^\\.\\?/\\?,${opts.prefix}/,S`); // S: symlink targets stay as they are
  }
  args.push('--', ...(opts.entries ?? ['.']));
  const child = spawn('tar', args, { stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
  // tar missing or not runnable: the reader of the archive gets the error, the process goes on.
  child.on('error', (e: Error) => child.stdout.destroy(new Error(`tar of ${dir} could not run: ${e.message}`)));
  child.on('close', (code) => {
    if (code !== 0) child.stdout.destroy(new Error(`tar of ${dir} failed (${code}): ${stderr.trim()}`));
  });
  return child.stdout;
}
