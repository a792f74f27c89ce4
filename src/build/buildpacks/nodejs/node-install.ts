// Inside the build: unpacks the Node.js release Berth fetched into the slug at .heroku/node (where
// Heroku puts it) and puts its bin/ first on PATH, for the rest of the build and, through
// .profile.d, for every process of the app.
import path from 'node:path';
import { writeAppFile } from '../../app-files.js';
import type { CompileContext, NodeReleaseFile } from '../../buildpack.js';
import { BUILD_PATH, buildStep, INDENT } from '../../build-step.js';

export const NODE_DIR = '.heroku/node';

/** Where the slug is mounted when it runs (both runtimes). */
const APP_ROOT = '/app';

const PROFILE = `# Written by Berth's Node.js buildpack: the Node.js release it installed comes first on PATH.
export PATH="${APP_ROOT}/${NODE_DIR}/bin:$PATH"
`;

/**
 * Unpacks the release and returns the environment the build's commands need: its bin/ first on
 * PATH, and its C headers for node-gyp (native addons must be built against the Node.js that
 * runs them, not the stack's, which npm's own config may name).
 */
export async function installNodeRelease(ctx: CompileContext, release: NodeReleaseFile): Promise<Record<string, string>> {
  ctx.log(`${INDENT}installing Node.js ${release.version} into ${NODE_DIR}`);
  const dest = path.join(ctx.buildDir, NODE_DIR);
  const failure = `Installing Node.js ${release.version} failed`;
  // As the build user, like every step: whatever the app's source left at these paths (a symlink
  // included) is replaced with that user's rights only.
  await buildStep(ctx, failure, 'rm', ['-rf', '--', dest]);
  await buildStep(ctx, failure, 'mkdir', ['-p', '--', dest]);
  // The registry tarball holds everything under package/.
  await buildStep(ctx, failure, 'tar', ['-xzf', release.tarball, '-C', dest, '--strip-components=1', '--no-same-owner']);
  await buildStep(ctx, failure, 'chmod', ['0755', '--', path.join(dest, 'bin', 'node')]);
  await writeAppFile(ctx.buildDir, '.profile.d/nodejs.sh', PROFILE);
  return { PATH: `${dest}/bin:${BUILD_PATH}`, npm_config_nodedir: dest };
}

/**
 * The headers (include/, about 65 MB of the 185 MB) serve only native addon builds, which are
 * done by now: the slug, kept once per release, goes without them.
 */
export async function dropNodeHeaders(ctx: CompileContext): Promise<void> {
  await buildStep(ctx, 'Removing the Node.js C headers from the slug failed', 'rm', ['-rf', '--', path.join(ctx.buildDir, NODE_DIR, 'include')]);
}
