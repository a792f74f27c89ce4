import { mkdtemp, rm, symlink } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { pathHider } from './server-paths.js';

describe('pathHider', () => {
  it('replaces every root, its resolved form and the nested one by its own label', async () => {
    const real = await mkdtemp(join(tmpdir(), 'berth-paths-'));
    const link = `${real}-link`;
    await symlink(real, link);
    try {
      const hide = pathHider({ '<berth>': '/opt/berth', '<BERTH_HOME>': link });
      const text = `ENOENT: open '${link}/builds/b1/src/Procfile' (also ${real}/slugs) from /opt/berth/dist/main.js and /opt/berth/var`;
      expect(hide(text)).toBe("ENOENT: open '<BERTH_HOME>/builds/b1/src/Procfile' (also <BERTH_HOME>/slugs) from <berth>/dist/main.js and <berth>/var");
    } finally {
      await rm(link, { force: true });
      await rm(real, { recursive: true, force: true });
    }
  });

  it('leaves one-segment roots alone: /app is every tenant\'s own path too', () => {
    expect(pathHider({ '<berth>': '/app' })('cd /app && npm start')).toBe('cd /app && npm start');
  });
});
