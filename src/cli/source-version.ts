// The `version` a deploy records: the git commit being deployed, like Heroku's source_blob.version.
import { run } from '../platform/exec.js';
import { isGitTopLevel } from './git-top-level.js';

/**
 * `git rev-parse HEAD` in `dir` when it is the top of a git work tree with a commit; otherwise a
 * UTC timestamp (`20261121220405`), so every release still says which upload it came from. A folder
 * nested inside another repository gets the timestamp: that repository's commit does not name it.
 */
export async function sourceVersion(dir: string, env: Readonly<Record<string, string | undefined>>, now = new Date()): Promise<string> {
  const gitEnv = env as NodeJS.ProcessEnv;
  const r = (await isGitTopLevel(dir, gitEnv))
    ? await run('git', ['rev-parse', '--verify', '-q', 'HEAD'], { cwd: dir, env: gitEnv }).catch(() => undefined)
    : undefined;
  const sha = r?.code === 0 ? r.stdout.trim() : '';
  if (/^[0-9a-f]{40,64}$/.test(sha)) return sha;
  return now.toISOString().replace(/\D/g, '').slice(0, 14);
}
