// Whether a directory is the top of a git work tree. Deploying or creating an app from a folder
// nested in some other repository (a fixture inside a checkout) must not borrow that repository:
// its commit says nothing about the folder, and a remote there is added to someone else's repo.
// The heroku CLI decides the same way for `apps:create` (a `.git` in the current directory).
import { realpath } from 'node:fs/promises';
import { run } from '../platform/exec.js';

export async function isGitTopLevel(dir: string, env: NodeJS.ProcessEnv): Promise<boolean> {
  const r = await run('git', ['rev-parse', '--show-toplevel'], { cwd: dir, env })
    .catch(() => undefined); // git not installed: not a repository as far as we can tell
  const top = r?.code === 0 ? r.stdout.trim() : '';
  if (!top) return false;
  // git prints the resolved path; `dir` may go through a symlink (macOS /tmp, a linked checkout).
  const [a, b] = await Promise.all([realpath(top).catch(() => top), realpath(dir).catch(() => dir)]);
  return a === b;
}
