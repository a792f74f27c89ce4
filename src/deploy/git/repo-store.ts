// One bare git repository per app under BERTH_HOME/repos/<app-id>.git, created on first use with
// Berth's receive settings and pre-receive hook.
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { chmod, mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { runChecked } from '../../platform/exec.js';
import { PRE_RECEIVE_HOOK } from './hook-script.js';

const APP_ID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** The same cap as an uploaded source tarball (git's own check, before anything is stored). */
export const MAX_PUSH_BYTES = 512 * 1024 * 1024;

const REPO_CONFIG: [string, string][] = [
  ['receive.fsckObjects', 'true'],
  // Force-pushes deploy, as on Heroku; deleting the deploy branch would only confuse the next push.
  ['receive.denyNonFastForwards', 'false'],
  ['receive.denyDeletes', 'true'],
  ['receive.maxInputSize', String(MAX_PUSH_BYTES)],
  ['core.hooksPath', 'hooks'],
];

/**
 * The environment every git process of Berth's runs with: no system or user config (a
 * `core.hooksPath` there would bypass the hook), no server secrets, node on PATH for the hook.
 */
export function gitEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  return {
    PATH: `${dirname(process.execPath)}:${process.env.PATH ?? '/usr/local/bin:/usr/bin:/bin'}`,
    GIT_CONFIG_NOSYSTEM: '1',
    GIT_CONFIG_GLOBAL: '/dev/null',
    GIT_TERMINAL_PROMPT: '0',
    LANG: 'C.UTF-8',
    ...extra,
  };
}

export class GitRepos {
  private readonly creating = new Map<string, Promise<string>>();

  constructor(private readonly dir: string) {}

  pathOf(appId: string): string {
    if (!APP_ID.test(appId)) throw new Error(`not an app id: ${JSON.stringify(appId)}`);
    return join(this.dir, `${appId.toLowerCase()}.git`);
  }

  /** The app's repository, created if missing; the hook is (re)written so every repo runs the current one. */
  async ensure(appId: string): Promise<string> {
    const path = this.pathOf(appId);
    if (!existsSync(join(path, 'HEAD'))) {
      const running = this.creating.get(path) ?? this.create(path).finally(() => this.creating.delete(path));
      this.creating.set(path, running);
      await running;
    }
    const hook = join(path, 'hooks', 'pre-receive');
    if ((await readFile(hook, 'utf8').catch(() => '')) !== PRE_RECEIVE_HOOK) await writeHook(hook);
    return path;
  }

  /** Forgets the app's repository (its app was destroyed). */
  async remove(appId: string): Promise<void> {
    await rm(this.pathOf(appId), { recursive: true, force: true });
  }

  /** Built beside its final path and renamed into place, so a half-made repo is never served. */
  private async create(path: string): Promise<string> {
    await mkdir(this.dir, { recursive: true, mode: 0o700 });
    const staging = `${path}.new-${randomBytes(4).toString('hex')}`;
    try {
      await runChecked('git', ['init', '--quiet', '--bare', '--initial-branch=main', staging], { env: gitEnv() });
      for (const [key, value] of REPO_CONFIG) {
        await runChecked('git', ['config', '--file', join(staging, 'config'), key, value], { env: gitEnv() });
      }
      // git init copies sample hooks; only Berth's hook belongs here.
      await rm(join(staging, 'hooks'), { recursive: true, force: true });
      await mkdir(join(staging, 'hooks'));
      await writeHook(join(staging, 'hooks', 'pre-receive'));
      if (!existsSync(path)) await rename(staging, path);
    } finally {
      await rm(staging, { recursive: true, force: true });
    }
    return path;
  }
}

async function writeHook(file: string): Promise<void> {
  const temp = `${file}.new-${randomBytes(4).toString('hex')}`;
  await writeFile(temp, PRE_RECEIVE_HOOK, { mode: 0o755 });
  await chmod(temp, 0o755);
  await rename(temp, file);
}
