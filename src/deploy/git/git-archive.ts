// The pushed commit as a source tarball (`git archive`), read while the push is still in quarantine.
import { spawn } from 'node:child_process';
import { realpathSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { PassThrough, type Readable } from 'node:stream';
import { gitEnv } from './repo-store.js';

const OBJECT_ID = /^(?:[0-9a-f]{40}|[0-9a-f]{64})$/;
// receive-pack names its quarantine <repo>/objects/tmp_objdir-incoming-XXXXXX.
const QUARANTINE_DIR = /^tmp_objdir-incoming-[A-Za-z0-9_]+$/;

/**
 * The object environment for reading a push from outside its hook: the quarantine first, the
 * repository's own objects as an alternate. Refuses any directory but this repo's quarantine.
 */
export function quarantineEnv(repo: string, quarantine: string | null): Record<string, string> {
  if (quarantine === null) return {};
  const objects = realpathSync(join(repo, 'objects'));
  const real = realpathSync(quarantine);
  if (dirname(real) !== objects || !QUARANTINE_DIR.test(basename(real))) {
    throw new Error(`the push's quarantine ${JSON.stringify(quarantine)} is not inside its repository`);
  }
  return { GIT_OBJECT_DIRECTORY: real, GIT_ALTERNATE_OBJECT_DIRECTORIES: objects, GIT_QUARANTINE_PATH: real };
}

export interface Archive {
  stream: Readable;
  /** Rejects with git's message when the archive could not be made. */
  done: Promise<void>;
}

/** `git archive --format=tar.gz <commit>`: the committed files only, so nothing untracked is deployed. */
export function archiveCommit(repo: string, commit: string, objectEnv: Record<string, string>): Archive {
  if (!OBJECT_ID.test(commit)) throw new Error(`not an object id: ${JSON.stringify(commit)}`);
  const child = spawn('git', ['archive', '--format=tar.gz', commit], {
    env: gitEnv({ GIT_DIR: repo, ...objectEnv }),
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stderr = '';
  child.stderr.setEncoding('utf8').on('data', (c: string) => { if (stderr.length < 16 * 1024) stderr += c; });
  const done = new Promise<void>((resolve, reject) => {
    child.once('error', reject);
    child.once('close', (code) => (code === 0 ? resolve() : reject(new Error(`git archive ${commit.slice(0, 12)} failed: ${stderr.trim() || `exit ${code}`}`))));
  });
  // Node discards a child's output that nobody reads by the time the child exits, and a small
  // archive is done before its reader gets going (it first records the upload): hand out a stream
  // that is already being read, which holds the bytes until they are wanted.
  const stream = new PassThrough();
  child.stdout.on('error', (e) => stream.destroy(e));
  child.stdout.pipe(stream);
  return { stream, done };
}
