// The Node.js buildpack: unpacks the Node.js release Berth chose (engines.node), installs with npm, yarn or pnpm, runs the build script, prunes dev dependencies.
import { BerthError } from '../../../domain/errors.js';
import type { ProcessTypes } from '../../../domain/types.js';
import { isAppFile, readAppFile } from '../../app-files.js';
import type { Buildpack, CompileContext, CompileResult } from '../../buildpack.js';
import { buildStep, INDENT } from '../../build-step.js';
import { dropNodeHeaders, installNodeRelease } from './node-install.js';
import { detectPackageManager, type PackageManager } from './package-manager.js';

interface PackageJson {
  scripts?: Record<string, unknown>;
}

async function readPackageJson(buildDir: string): Promise<PackageJson> {
  const text = await readAppFile(buildDir, 'package.json');
  try {
    const parsed: unknown = JSON.parse(text ?? '');
    if (parsed && typeof parsed === 'object' && !Array.isArray(parsed)) return parsed as PackageJson;
  } catch { /* reported below */ }
  throw new BerthError('build_failed', 'package.json is not a valid JSON object.');
}

/** Heroku runs `heroku-postbuild` instead of `build` when an app defines it. */
function buildScriptOf(pkg: PackageJson): string | undefined {
  if (typeof pkg.scripts?.['heroku-postbuild'] === 'string') return 'heroku-postbuild';
  if (typeof pkg.scripts?.build === 'string') return 'build';
  return undefined;
}

async function install(ctx: CompileContext, pm: PackageManager, env: Record<string, string>): Promise<void> {
  const [file, ...args] = pm.install;
  ctx.log(`${INDENT}installing dependencies with ${pm.name}: ${pm.install.join(' ')}`);
  const failure = pm.name === 'npm'
    ? 'Installing dependencies failed'
    : `Installing dependencies with ${pm.name} failed; ${pm.name} is provided by corepack, which downloads it from the npm registry on first use`;
  await buildStep(ctx, failure, file!, args, env);
}

export class NodejsBuildpack implements Buildpack {
  readonly name = 'nodejs';

  detect(buildDir: string): Promise<boolean> {
    return isAppFile(buildDir, 'package.json');
  }

  async compile(ctx: CompileContext): Promise<CompileResult> {
    ctx.log('-----> Node.js app detected');
    const pkg = await readPackageJson(ctx.buildDir);
    const pm = await detectPackageManager(ctx.buildDir);
    // Without a release from Berth (a buildpack compiled on its own), the stack's Node.js builds the app.
    const nodeEnv = ctx.nodeRelease ? await installNodeRelease(ctx, ctx.nodeRelease) : {};
    const env = {
      ...nodeEnv,
      NODE_ENV: ctx.env.NODE_ENV ?? 'production',
      npm_config_update_notifier: 'false',
      npm_config_fund: 'false',
      npm_config_audit: 'false',
      ...pm.cacheEnv(ctx.cacheDir),
    };
    await install(ctx, pm, env);

    const script = buildScriptOf(pkg);
    if (script) {
      ctx.log(`-----> Build: running the "${script}" script`);
      const [file, ...args] = pm.runScript(script);
      await buildStep(ctx, `The "${script}" script failed`, file!, args, env);
    }

    ctx.log('-----> Pruning dev dependencies');
    const [file, ...args] = pm.prune;
    await buildStep(ctx, 'Pruning dev dependencies failed', file!, args, env);
    if (ctx.nodeRelease) await dropNodeHeaders(ctx);

    return { processTypes: await defaultProcessTypes(ctx.buildDir, pkg) };
  }
}

/**
 * `npm start` when there is a start script (what Heroku runs). For a bare server.js we run node
 * directly rather than npm's implicit `node server.js`: one process less between the app and SIGTERM.
 */
async function defaultProcessTypes(buildDir: string, pkg: PackageJson): Promise<ProcessTypes> {
  // npm runs any manager's start script, and unlike yarn or pnpm it ships with Node, so it needs no
  // corepack download when the instance starts.
  if (typeof pkg.scripts?.start === 'string') return { web: 'npm start' };
  if (await isAppFile(buildDir, 'server.js')) return { web: 'node server.js' };
  return {};
}
