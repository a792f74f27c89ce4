import { afterAll, describe, expect, it } from 'vitest';
import { chmod, mkdtemp, rm, symlink } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildpackContract, compileFixture, startWebProcess } from '../../buildpack.contract.js';
import { StaticBuildpack } from './static-buildpack.js';

const fixture = fileURLToPath(new URL('../../../../test/fixtures/apps/static-site', import.meta.url));

buildpackContract('static', {
  create: () => new StaticBuildpack(),
  detects: [fixture, { 'public/index.html': '<p>hi</p>' }],
  ignores: [{ 'index.html': 'x', 'package.json': '{}' }, { 'about.html': 'x' }, { Procfile: 'web: x' }],
  compiles: [
    { fixture, processTypes: { web: 'node .berth/static-server.mjs' } },
    { fixture: { 'public/index.html': 'in public' }, processTypes: { web: 'node .berth/static-server.mjs public' } },
  ],
});

describe('static site server', () => {
  const roots: string[] = [];
  afterAll(async () => { for (const r of roots) await rm(r, { recursive: true, force: true }); });

  async function serve(): Promise<Awaited<ReturnType<typeof startWebProcess>>> {
    const root = await mkdtemp(path.join(tmpdir(), 'berth-static-'));
    roots.push(root);
    await chmod(root, 0o711);
    const { buildDir, processTypes } = await compileFixture(new StaticBuildpack(), fixture, root);
    await symlink('/etc/passwd', path.join(buildDir, 'leak.txt'));
    return startWebProcess(buildDir, processTypes.web!);
  }

  it('serves index.html for / and files with their content types', async () => {
    const web = await serve();
    try {
      const index = await web.get('/');
      expect(index.status).toBe(200);
      expect(index.headers['content-type']).toBe('text/html; charset=utf-8');
      expect(index.body).toContain('Hello from static-site');
      const css = await web.get('/style.css?v=1');
      expect(css.headers['content-type']).toBe('text/css; charset=utf-8');
      expect((await web.get('/missing.html')).status).toBe(404);
    } finally {
      await web.stop();
    }
  });

  it('refuses path traversal, encoded or not, dotfiles and symlinks out of the site', async () => {
    const web = await serve();
    try {
      for (const p of ['/../../etc/passwd', '/%2e%2e/%2e%2e/etc/passwd', '/..%2f..%2f..%2fetc%2fpasswd', '/%2E%2E%5C%2E%2E%5Cetc%5Cpasswd',
        '/.berth/static-server.mjs', '/leak.txt', '/%00', '/%zz']) {
        const res = await web.get(p);
        expect(res.status, p).toBe(404);
        expect(res.body).not.toContain('root:');
      }
    } finally {
      await web.stop();
    }
  });
});
