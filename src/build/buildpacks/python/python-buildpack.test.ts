import { access, readFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect } from 'vitest';
import { buildpackContract } from '../../buildpack.contract.js';
import { PythonBuildpack } from './python-buildpack.js';

const fixture = fileURLToPath(new URL('../../../../test/fixtures/apps/python-hello', import.meta.url));

buildpackContract('python', {
  create: () => new PythonBuildpack(),
  detects: [fixture, { 'requirements.txt': '' }, { 'pyproject.toml': '' }, { 'worker.py': 'print(1)' }],
  ignores: [{ 'index.html': 'x' }, { 'package.json': '{}' }, { 'scripts/tool.py': 'x' }],
  compiles: [
    {
      fixture,
      processTypes: { web: '.venv/bin/python app.py' },
      async check(buildDir) {
        await access(path.join(buildDir, '.venv/bin/python'));
        expect(await readFile(path.join(buildDir, '.profile.d/python.sh'), 'utf8')).toContain('/app/.venv/bin');
      },
    },
    {
      // Comments only: pip runs and has nothing to fetch (PyPI is not reachable from the test machine).
      fixture: { 'requirements.txt': '# stdlib only\n', 'worker.py': 'print("hi")\n' },
      processTypes: {},
      async check(buildDir, log) {
        expect(log).toContain('-----> Installing requirements with pip');
        // Scripts point at /app, where the slug runs, not at the build dir.
        const pip = await readFile(path.join(buildDir, '.venv/bin/pip'), 'utf8');
        expect(pip.split('\n')[0]).toMatch(/^#!\/app\/\.venv\/bin\/python3?$/);
      },
    },
  ],
});
