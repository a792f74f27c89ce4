import { afterAll, describe, expect, it } from 'vitest';
import { access, chmod, mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { BerthError } from '../../../domain/errors.js';
import { buildpackContract, compileFixture } from '../../buildpack.contract.js';
import { NodejsBuildpack } from './nodejs-buildpack.js';

const apps = fileURLToPath(new URL('../../../../test/fixtures/apps/', import.meta.url));
const nodeHello = path.join(apps, 'node-hello');

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
});
