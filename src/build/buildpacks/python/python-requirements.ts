// Where a Python app's dependencies come from, in Heroku's order, all installed with pip (pipenv
// and Poetry are not on Berth's builders): requirements.txt; Pipfile.lock turned into a
// hash-pinned requirements file; pyproject.toml's `[project] dependencies` (PEP 621) — the app's
// dependencies only, as Heroku installs them, not the app as a package. A Pipfile without its
// lock and Poetry or uv lock files fail, saying what to commit instead.
import { BerthError } from '../../../domain/errors.js';
import { isAppFile, readAppFile } from '../../app-files.js';

export type PythonDependencies =
  | { from: 'requirements.txt' }
  /** `requirements`: the text of a requirements file Berth wrote from the app's own file. */
  | { from: 'Pipfile.lock' | 'pyproject.toml'; requirements: string }
  | { from: 'none' };

const fail = (message: string): never => { throw new BerthError('build_failed', message); };

/**
 * `readPyproject` reads pyproject.toml's `[project] dependencies` (inside the build, with
 * Python's own TOML reader) and whether it is a Poetry project.
 */
export async function pythonDependencies(
  buildDir: string, readPyproject: () => Promise<{ dependencies?: unknown; poetry: boolean }>,
): Promise<PythonDependencies> {
  if (await isAppFile(buildDir, 'requirements.txt')) return { from: 'requirements.txt' };
  const lock = await readAppFile(buildDir, 'Pipfile.lock');
  if (lock !== undefined) return { from: 'Pipfile.lock', requirements: pipfileLockRequirements(lock) };
  if (await isAppFile(buildDir, 'Pipfile')) {
    return fail('Pipfile has no Pipfile.lock: Berth installs the locked versions with pip (pipenv is not used). Run `pipenv lock` and commit Pipfile.lock.');
  }
  for (const [file, tool] of [['poetry.lock', 'poetry export -o requirements.txt'], ['uv.lock', 'uv export -o requirements.txt']] as const) {
    if (await isAppFile(buildDir, file)) {
      return fail(`${file} is not read: Berth installs Python dependencies with pip from requirements.txt, Pipfile.lock or pyproject.toml [project] dependencies. Run \`${tool}\` and commit requirements.txt.`);
    }
  }
  if (!(await isAppFile(buildDir, 'pyproject.toml'))) return { from: 'none' };
  const pyproject = await readPyproject();
  if (pyproject.dependencies === undefined) {
    if (pyproject.poetry) return fail('pyproject.toml is a Poetry project without [project] dependencies, and Poetry is not used: run `poetry export -o requirements.txt` and commit requirements.txt.');
    return { from: 'pyproject.toml', requirements: '' };
  }
  return { from: 'pyproject.toml', requirements: pyprojectRequirements(pyproject.dependencies) };
}

/** PEP 508 strings, one per line; nothing that pip would read as an option or a second line. */
export function pyprojectRequirements(deps: unknown): string {
  if (!Array.isArray(deps)) return fail('pyproject.toml: [project] dependencies must be a list of strings.');
  return deps.map((d) => {
    if (typeof d !== 'string' || d.trim() === '' || d.trim().startsWith('-') || /[\r\n]/.test(d)) {
      return fail(`pyproject.toml: ${JSON.stringify(d)} is not a dependency (PEP 508, e.g. "flask>=3").`);
    }
    return `${d.trim()}\n`;
  }).join('');
}

interface LockEntry { version?: unknown; hashes?: unknown; markers?: unknown; extras?: unknown }

const NAME = /^[A-Za-z0-9][A-Za-z0-9._-]*$/;
const EXTRA = /^[A-Za-z0-9][A-Za-z0-9._-]*$/;

/**
 * Pipfile.lock's `default` packages as a requirements file pip checks by hash: `name[extras]==version;
 * markers --hash=…`. Entries pinned by git, path or URL instead of a version are refused by name.
 */
export function pipfileLockRequirements(text: string): string {
  let lock: { default?: Record<string, LockEntry> };
  try {
    lock = JSON.parse(text) as typeof lock;
  } catch (e) {
    return fail(`Pipfile.lock is not valid JSON (${(e as Error).message}).`);
  }
  const packages = lock?.default;
  if (!packages || typeof packages !== 'object' || Array.isArray(packages)) return fail('Pipfile.lock has no "default" packages section.');
  const lines: string[] = [];
  for (const [name, entry] of Object.entries(packages)) {
    if (!NAME.test(name)) return fail(`Pipfile.lock: ${JSON.stringify(name)} is not a package name.`);
    const version = entry?.version;
    if (typeof version !== 'string' || !/^==[A-Za-z0-9.+!_-]+$/.test(version)) {
      return fail(`Pipfile.lock: ${name} is not pinned to a version (git, path or URL entries are not installed); pin it to a release or use requirements.txt.`);
    }
    const extras = Array.isArray(entry.extras) && entry.extras.every((x) => typeof x === 'string' && EXTRA.test(x)) ? entry.extras as string[] : [];
    const markers = typeof entry.markers === 'string' && !/[\r\n\\]/.test(entry.markers) ? `; ${entry.markers}` : '';
    const hashes = Array.isArray(entry.hashes) ? entry.hashes.filter((h): h is string => typeof h === 'string' && /^sha256:[0-9a-f]{64}$/.test(h)) : [];
    lines.push(`${name}${extras.length ? `[${extras.join(',')}]` : ''}${version}${markers}${hashes.map((h) => ` --hash=${h}`).join('')}\n`);
  }
  return lines.join('');
}
