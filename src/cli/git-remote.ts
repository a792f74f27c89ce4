// The `berth` git remote: where the CLI finds the current app and where `git push` deploys to.
// git runs with argv arrays only; remote names and URLs are data.
import { run } from '../platform/exec.js';
import { isGitTopLevel } from './git-top-level.js';

export const DEFAULT_REMOTE = 'berth';

export interface GitRemotes {
  /** The directory is inside a git work tree (`git:remote`, asked for explicitly, works from any folder of it). */
  isRepo(): Promise<boolean>;
  /**
   * The directory is the top of a git work tree, not a folder nested in one: `apps:create` adds its
   * remote (and rename/destroy update it) only there, as the heroku CLI does (a `.git` in the cwd).
   */
  isTopLevel(): Promise<boolean>;
  getUrl(remote: string): Promise<string | undefined>;
  /** Adds the remote, or points an existing one at the new URL. */
  setUrl(remote: string, url: string): Promise<'added' | 'updated'>;
  remove(remote: string): Promise<void>;
}

export function gitRemotes(cwd: string, env: NodeJS.ProcessEnv): GitRemotes {
  const git = (args: string[]) => run('git', args, { cwd, env }).catch(() => ({ code: 127, stdout: '', stderr: 'git is not installed' }));
  return {
    async isRepo() {
      const r = await git(['rev-parse', '--is-inside-work-tree']);
      return r.code === 0 && r.stdout.trim() === 'true';
    },
    isTopLevel: () => isGitTopLevel(cwd, env),
    async getUrl(remote) {
      const r = await git(['config', '--get', `remote.${remote}.url`]);
      return r.code === 0 && r.stdout.trim() ? r.stdout.trim() : undefined;
    },
    async setUrl(remote, url) {
      const existing = await this.getUrl(remote);
      const r = await git(existing === undefined ? ['remote', 'add', remote, url] : ['remote', 'set-url', remote, url]);
      if (r.code !== 0) throw new Error(`git could not set remote ${remote}: ${r.stderr.trim()}`);
      return existing === undefined ? 'added' : 'updated';
    },
    async remove(remote) {
      await git(['remote', 'remove', remote]);
    },
  };
}

/** `http://host:5000/demo.git` → `demo`; undefined when the URL does not end in `/<app>.git`. */
export function appFromGitUrl(url: string): string | undefined {
  const m = /\/([A-Za-z0-9][A-Za-z0-9-]*)\.git\/?$/.exec(url);
  return m?.[1];
}
