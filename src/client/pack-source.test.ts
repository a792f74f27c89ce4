import { describe, it, expect, beforeEach, afterEach } from 'vitest';
import { access, chmod, mkdir, mkdtemp, readdir, readFile, readlink, rm, stat, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { extractSourceTarball } from '../deploy/tarball.js';
import { packSource } from './pack-source.js';

let root: string;
let app: string;

beforeEach(async () => {
  root = await mkdtemp(join(tmpdir(), 'berth-pack-test-'));
  app = join(root, 'app');
});
afterEach(async () => { await rm(root, { recursive: true, force: true }); });

async function put(rel: string, body = rel): Promise<void> {
  await mkdir(dirname(join(app, rel)), { recursive: true });
  await writeFile(join(app, rel), body);
}

/** Every non-directory path under dir, sorted. */
async function filesUnder(dir: string): Promise<string[]> {
  const out: string[] = [];
  for (const e of await readdir(dir, { withFileTypes: true, recursive: true })) {
    if (!e.isDirectory()) out.push(join(e.parentPath, e.name).slice(dir.length + 1));
  }
  return out.sort();
}

describe('packSource', () => {
  it('round-trips through extractSourceTarball, honouring .gitignore and .slugignore', async () => {
    await put('.gitignore', '# deps\nnode_modules/\n*.log\n/dist\n!keep.log\n');
    await put('.slugignore', 'docs/\n*.psd\n');
    await put('package.json', '{}');
    await put('Procfile', 'web: node server.js\n');
    await put('server.js');
    await put('keep.log');
    await put('debug.log');
    await put('dist/bundle.js');
    await put('lib/dist/kept.js'); // `/dist` is anchored to the root
    await put('node_modules/x/index.js');
    await put('docs/guide.md');
    await put('art/logo.psd');
    await put('lib/util.js');
    await put('lib/.gitignore', 'generated/\n!important.log\n');
    await put('lib/generated/out.js');
    await put('lib/important.log');
    await put('.git/HEAD', 'ref: refs/heads/main\n');
    await put('bin/start', '#!/bin/sh\n');
    await chmod(join(app, 'bin/start'), 0o755);
    await symlink('lib/util.js', join(app, 'util-link.js'));

    const progress: Array<[number, number]> = [];
    const packed = await packSource(app, { onProgress: (done, total) => progress.push([done, total]) });
    try {
      expect(packed.bytes).toBe((await stat(packed.file)).size);
      const dest = join(root, 'dest');
      await extractSourceTarball(packed.file, dest);
      const expected = [
        '.gitignore', '.slugignore', 'Procfile', 'bin/start', 'keep.log', 'lib/.gitignore',
        'lib/dist/kept.js', 'lib/important.log', 'lib/util.js', 'package.json', 'server.js', 'util-link.js',
      ];
      expect(await filesUnder(dest)).toEqual(expected);
      expect(packed.files).toBe(expected.length);
      expect(await readlink(join(dest, 'util-link.js'))).toBe('lib/util.js');
      expect((await stat(join(dest, 'bin/start'))).mode & 0o111).not.toBe(0);
      expect(await readFile(join(dest, 'Procfile'), 'utf8')).toBe('web: node server.js\n');

      const total = progress[0]?.[1];
      expect(progress[0]).toEqual([0, total]);
      expect(progress.at(-1)).toEqual([total, total]);
      const contentBytes = (await Promise.all(expected.filter((f) => f !== 'util-link.js').map(async (f) => (await stat(join(dest, f))).size))).reduce((a, b) => a + b, 0);
      expect(total).toBe(contentBytes);
    } finally {
      await packed.remove();
    }
    await expect(access(packed.file)).rejects.toThrow();
  });

  it('keeps an app whose only content is one directory intact after extraction', async () => {
    await put('web/index.html', '<h1>hi</h1>');
    const packed = await packSource(app);
    try {
      const dest = join(root, 'dest');
      await extractSourceTarball(packed.file, dest);
      expect(await filesUnder(dest)).toEqual(['web/index.html']);
    } finally {
      await packed.remove();
    }
  });

  it('packs an empty directory into a valid, empty archive', async () => {
    await mkdir(app);
    const packed = await packSource(app);
    try {
      const dest = join(root, 'dest');
      await extractSourceTarball(packed.file, dest);
      expect(await readdir(dest)).toEqual([]);
      expect(packed.files).toBe(0);
    } finally {
      await packed.remove();
    }
  });
});
