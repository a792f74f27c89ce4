import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { access, chmod, mkdir, mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildpackContract, compileFixture } from '../../buildpack.contract.js';
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
        expect(log).toContain('-----> Installing requirements with pip (from requirements.txt)');
        // Scripts point at /app, where the slug runs, not at the build dir.
        const pip = await readFile(path.join(buildDir, '.venv/bin/pip'), 'utf8');
        expect(pip.split('\n')[0]).toMatch(/^#!\/app\/\.venv\/bin\/python3?$/);
      },
    },
  ],
});

describe('Python dependencies from Pipfile.lock and pyproject.toml (a wheel made here, no package index)', () => {
  let root: string;
  let wheels: string;
  let wheelHash: string;
  beforeAll(async () => {
    root = await mkdtemp(path.join(tmpdir(), 'berth-python-deps-'));
    await chmod(root, 0o755);
    wheels = path.join(root, 'wheels');
    await mkdir(wheels, { mode: 0o755 });
    await chmod(wheels, 0o755);
    const made = spawnSync('python3', ['-c', MAKE_WHEEL, wheels], { encoding: 'utf8' });
    if (made.status !== 0) throw new Error(made.stderr);
    wheelHash = createHash('sha256').update(await readFile(path.join(wheels, WHEEL))).digest('hex');
  });
  afterAll(async () => { await rm(root, { recursive: true, force: true }); });

  // pip finds the wheel in the local directory only, as an offline Berth's operator would set it up.
  const offline = () => ({ PIP_FIND_LINKS: wheels, PIP_NO_INDEX: '1' });
  const installed = async (buildDir: string) => {
    const r = spawnSync(path.join(buildDir, '.venv/bin/python'), ['-c', 'import berth_fixture_pkg; print(berth_fixture_pkg.GREETING)'], { encoding: 'utf8' });
    return r.stdout.trim();
  };

  it('installs the versions Pipfile.lock pins, checked by hash', async () => {
    const lock = { default: { 'berth-fixture-pkg': { version: '==1.0', hashes: [`sha256:${wheelHash}`] } }, develop: {} };
    const { buildDir, log } = await compileFixture(new PythonBuildpack(), { Pipfile: '[packages]\nberth-fixture-pkg = "*"\n', 'Pipfile.lock': JSON.stringify(lock), 'app.py': 'print(1)\n' }, root, { env: offline() });
    expect(log).toContain('-----> Installing requirements with pip (from Pipfile.lock)');
    expect(await installed(buildDir)).toBe('hello from a locked wheel');
  }, 120_000);

  it('refuses a Pipfile.lock hash that does not match the package', async () => {
    const lock = { default: { 'berth-fixture-pkg': { version: '==1.0', hashes: [`sha256:${'0'.repeat(64)}`] } } };
    await expect(compileFixture(new PythonBuildpack(), { 'Pipfile.lock': JSON.stringify(lock), 'app.py': 'print(1)\n' }, root, { env: offline() }))
      .rejects.toThrow(/pip install of the dependencies in Pipfile\.lock failed/);
  }, 120_000);

  it('installs pyproject.toml [project] dependencies (not the app as a package)', async () => {
    const pyproject = '[project]\nname = "my-app"\nversion = "0.1.0"\ndependencies = ["berth-fixture-pkg==1.0"]\n';
    const { buildDir, log } = await compileFixture(new PythonBuildpack(), { 'pyproject.toml': pyproject, 'app.py': 'print(1)\n' }, root, { env: offline() });
    expect(log).toContain('-----> Installing requirements with pip (from pyproject.toml)');
    expect(await installed(buildDir)).toBe('hello from a locked wheel');
  }, 120_000);

  it('fails a Pipfile without its lock, and a Poetry project, saying what to commit', async () => {
    await expect(compileFixture(new PythonBuildpack(), { Pipfile: '[packages]\n', 'app.py': '' }, root)).rejects.toThrow('Run `pipenv lock` and commit Pipfile.lock.');
    await expect(compileFixture(new PythonBuildpack(), { 'pyproject.toml': '[tool.poetry]\nname = "x"\n', 'poetry.lock': '', 'app.py': '' }, root))
      .rejects.toThrow('Run `poetry export -o requirements.txt` and commit requirements.txt.');
  }, 60_000);
});

const WHEEL = 'berth_fixture_pkg-1.0-py3-none-any.whl';
/** A minimal pure-Python wheel (PEP 427), made without the `wheel` package. */
const MAKE_WHEEL = `
import base64, hashlib, os, sys, zipfile
files = {
  "berth_fixture_pkg.py": 'GREETING = "hello from a locked wheel"\\n',
  "berth_fixture_pkg-1.0.dist-info/METADATA": "Metadata-Version: 2.1\\nName: berth-fixture-pkg\\nVersion: 1.0\\n",
  "berth_fixture_pkg-1.0.dist-info/WHEEL": "Wheel-Version: 1.0\\nGenerator: berth-test\\nRoot-Is-Purelib: true\\nTag: py3-none-any\\n",
}
record = []
for name, text in files.items():
  digest = base64.urlsafe_b64encode(hashlib.sha256(text.encode()).digest()).rstrip(b"=").decode()
  record.append(f"{name},sha256={digest},{len(text.encode())}")
record.append("berth_fixture_pkg-1.0.dist-info/RECORD,,")
path = os.path.join(sys.argv[1], "${WHEEL}")
with zipfile.ZipFile(path, "w") as z:
  for name, text in files.items(): z.writestr(name, text)
  z.writestr("berth_fixture_pkg-1.0.dist-info/RECORD", "\\n".join(record) + "\\n")
os.chmod(path, 0o644)
`;
