// Heroku's classic buildpack API: bin/detect, bin/compile BUILD CACHE ENV_DIR, bin/release,
// run exactly as Heroku runs them, as the build user, output streamed line by line.
import { access, chmod, chown, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { BerthError } from '../domain/errors.js';
import type { Buildpack, BuildUser, CompileContext, CompileResult } from './buildpack.js';
import { BUILD_PATH, buildEnv, runStep } from './build-step.js';
import { CONFIG_KEY_PATTERN } from '../domain/names.js';
import { parseReleaseYaml } from './release-yaml.js';

/** The stack name buildpacks see in $STACK. */
export const STACK = 'berth-24';

export class ClassicBuildpack implements Buildpack {
  /** What bin/detect printed, e.g. "Ruby"; the name until detect has run. */
  detectedName: string;

  /** dir holds the fetched buildpack (bin/…); name is what the app called it (URL or path). */
  constructor(readonly name: string, private readonly dir: string, private readonly runAs?: BuildUser) {
    this.detectedName = name;
  }

  async detect(buildDir: string): Promise<boolean> {
    const out: string[] = [];
    const code = await this.runBin('detect', [buildDir], { cwd: buildDir, env: { PATH: BUILD_PATH, LANG: 'C.UTF-8', STACK } }, (l) => out.push(l));
    if (code === 0 && out.join('').trim() !== '') this.detectedName = out.join(' ').trim();
    return code === 0;
  }

  async compile(ctx: CompileContext): Promise<CompileResult> {
    // ENV_DIR: one file per config var, named by the key, holding the value, as Heroku provides it.
    const envDir = await mkdtemp(path.join(tmpdir(), 'berth-env-'));
    try {
      // Keys are validated when set; checked again because here they become file names.
      const keys = Object.keys(ctx.env).filter((k) => CONFIG_KEY_PATTERN.test(k));
      for (const key of keys) await writeFile(path.join(envDir, key), ctx.env[key] ?? '', { mode: 0o600 });
      if (this.runAs) await ownAll(envDir, keys, this.runAs);
      // Config vars are not in compile's environment: buildpacks read ENV_DIR, as on Heroku.
      const env = buildEnv({ env: {}, cacheDir: ctx.cacheDir, exported: ctx.exported }, { STACK });
      const code = await this.runBin('compile', [ctx.buildDir, ctx.cacheDir, envDir], { cwd: ctx.buildDir, env, signal: ctx.signal }, ctx.log);
      if (code !== 0) throw new BerthError('build_failed', `Buildpack ${this.detectedName} failed to compile this app (bin/compile exited with ${code}).`);
    } finally {
      await rm(envDir, { recursive: true, force: true });
    }
    return { processTypes: await this.release(ctx), exported: await this.exports(ctx) };
  }

  /**
   * Heroku's multi-buildpack contract: a buildpack may leave an `export` file (shell) in its own
   * directory, sourced before the next buildpack runs. It is sourced by bash as the build user, the
   * file named as an argument, and the variables it sets or changes are handed on.
   */
  private async exports(ctx: CompileContext): Promise<Record<string, string> | undefined> {
    const file = path.join(this.dir, 'export');
    if (!(await access(file).then(() => true, () => false))) return undefined;
    const before = buildEnv({ env: {}, cacheDir: ctx.cacheDir, exported: ctx.exported }, { STACK });
    const out: string[] = [];
    const script = '. "$1" >/dev/null 2>&1 || exit 1; env -0';
    const code = await runStep('bash', ['-c', script, 'export', file], { cwd: ctx.buildDir, env: before, runAs: this.runAs, signal: ctx.signal, onLine: (l) => out.push(l) });
    if (code !== 0) throw new BerthError('build_failed', `Buildpack ${this.detectedName}: its export file failed (exit ${code}).`);
    const after: Record<string, string> = {};
    for (const entry of out.join('\n').split('\0')) {
      const eq = entry.indexOf('=');
      if (eq <= 0) continue;
      const [key, value] = [entry.slice(0, eq), entry.slice(eq + 1)];
      // Only what the file set or changed; bash's own variables (PWD, SHLVL, _) are not the buildpack's.
      if (before[key] !== value && CONFIG_KEY_PATTERN.test(key) && !['PWD', 'OLDPWD', 'SHLVL', '_'].includes(key)) after[key] = value;
    }
    return { ...ctx.exported, ...after };
  }

  private async release(ctx: CompileContext): Promise<Record<string, string>> {
    if (!(await access(path.join(this.dir, 'bin/release')).then(() => true, () => false))) return {};
    const out: string[] = [];
    const env = buildEnv({ env: {}, cacheDir: ctx.cacheDir }, { STACK });
    const code = await this.runBin('release', [ctx.buildDir], { cwd: ctx.buildDir, env, signal: ctx.signal }, (l) => out.push(l));
    if (code !== 0) throw new BerthError('build_failed', `Buildpack ${this.detectedName}: bin/release exited with ${code}.`);
    return parseReleaseYaml(out.join('\n'));
  }

  private async runBin(
    bin: 'detect' | 'compile' | 'release', args: string[],
    opts: { cwd: string; env: Record<string, string>; signal?: AbortSignal }, onLine: (l: string) => void,
  ): Promise<number> {
    const file = path.join(this.dir, 'bin', bin);
    try {
      return await runStep(file, args, { ...opts, runAs: this.runAs, onLine });
    } catch (e) {
      if (e instanceof BerthError) throw e;
      throw new BerthError('build_failed', `Buildpack ${this.name}: cannot run bin/${bin}: ${(e as Error).message}`);
    }
  }
}

async function ownAll(dir: string, names: string[], owner: BuildUser): Promise<void> {
  await chown(dir, owner.uid, owner.gid);
  await chmod(dir, 0o700);
  for (const n of names) await chown(path.join(dir, n), owner.uid, owner.gid);
}
