// Reading and pointing the refs of an app repository, outside any push.
import { run } from '../../platform/exec.js';
import { isSafeRefName } from './ref-updates.js';
import { gitEnv } from './repo-store.js';

const OBJECT_ID = /^(?:[0-9a-f]{40}|[0-9a-f]{64})$/;

function checkRef(ref: string): void {
  if (!isSafeRefName(ref)) throw new Error(`unsafe ref name ${JSON.stringify(ref)}`);
}

/** The commit a ref points at, or undefined when it does not exist yet. */
export async function readRef(repo: string, ref: string): Promise<string | undefined> {
  checkRef(ref);
  const r = await run('git', ['rev-parse', '--verify', '--quiet', `${ref}^{commit}`], { env: gitEnv({ GIT_DIR: repo }) });
  const sha = r.stdout.trim();
  return r.code === 0 && OBJECT_ID.test(sha) ? sha : undefined;
}

/** Makes HEAD name the deployed branch, so `git clone` checks out what was last deployed. */
export async function pointHead(repo: string, ref: string): Promise<void> {
  checkRef(ref);
  const r = await run('git', ['symbolic-ref', 'HEAD', ref], { env: gitEnv({ GIT_DIR: repo }) });
  if (r.code !== 0) throw new Error(`git symbolic-ref HEAD ${ref} failed: ${r.stderr.trim()}`);
}
