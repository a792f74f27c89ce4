// The Python buildpack: a venv in `.venv` with the app's dependencies installed by pip (requirements.txt,
// Pipfile.lock or pyproject.toml, see python-requirements.ts), relocated to /app.
import { readdir } from 'node:fs/promises';
import { BerthError } from '../../../domain/errors.js';
import type { ProcessTypes } from '../../../domain/types.js';
import { isAppFile, writeAppFile } from '../../app-files.js';
import type { Buildpack, CompileContext, CompileResult } from '../../buildpack.js';
import { buildEnv, buildStep, INDENT, runStep } from '../../build-step.js';
import { pythonDependencies } from './python-requirements.js';
import { relocateVenv } from './relocate-venv.js';

/** The requirements file Berth writes from Pipfile.lock or pyproject.toml, inside the slug. */
const GENERATED_REQUIREMENTS = '.heroku/python/requirements-berth.txt';

/** Reads pyproject.toml with Python's own TOML reader (3.11+), as the build user; prints JSON. */
const READ_PYPROJECT = [
  'import json, sys, tomllib',
  'data = tomllib.load(open(sys.argv[1], "rb"))',
  'project = data.get("project") or {}',
  'print(json.dumps({"dependencies": project.get("dependencies"), "poetry": "poetry" in (data.get("tool") or {})}))',
].join('\n');

async function readPyproject(ctx: CompileContext): Promise<{ dependencies?: unknown; poetry: boolean }> {
  const out: string[] = [];
  const code = await runStep('python3', ['-c', READ_PYPROJECT, 'pyproject.toml'], {
    cwd: ctx.buildDir, env: buildEnv(ctx), runAs: ctx.runAs, signal: ctx.signal, onLine: (l) => out.push(l),
  });
  if (code !== 0) throw new BerthError('build_failed', `pyproject.toml could not be read: ${out.at(-1) ?? `python3 exited with ${code}`}`);
  try {
    const read = JSON.parse(out.at(-1) ?? '') as { dependencies?: unknown; poetry?: unknown };
    return { dependencies: read.dependencies ?? undefined, poetry: read.poetry === true };
  } catch {
    throw new BerthError('build_failed', 'pyproject.toml could not be read.');
  }
}

const MARKERS = ['requirements.txt', 'setup.py', 'pyproject.toml', 'Pipfile'];

/** Where the slug is mounted when it runs; scripts in the venv must point there, not at the build dir. */
export const APP_ROOT = '/app';

/** Whether python3 can make a venv (Debian splits that into the python3-venv package). */
async function venvAvailable(ctx: CompileContext): Promise<boolean> {
  const code = await runStep('python3', ['-c', 'import venv, ensurepip'], {
    cwd: ctx.buildDir, env: buildEnv(ctx), runAs: ctx.runAs, signal: ctx.signal, onLine: () => {},
  }).catch((e: Error) => {
    throw new BerthError('build_failed', `python3 is not installed on this host (${e.message}).`);
  });
  return code === 0;
}

export class PythonBuildpack implements Buildpack {
  readonly name = 'python';

  /** A dependency file, or any top-level `*.py` (a stdlib-only app is still a Python app). */
  async detect(buildDir: string): Promise<boolean> {
    for (const m of MARKERS) if (await isAppFile(buildDir, m)) return true;
    const entries = await readdir(buildDir, { withFileTypes: true });
    return entries.some((e) => e.isFile() && e.name.endsWith('.py'));
  }

  async compile(ctx: CompileContext): Promise<CompileResult> {
    ctx.log('-----> Python app detected');
    const deps = await pythonDependencies(ctx.buildDir, () => readPyproject(ctx));
    const hasRequirements = deps.from !== 'none';
    if (!(await venvAvailable(ctx))) {
      if (hasRequirements) {
        throw new BerthError('build_failed', `python3 cannot create a virtualenv here, so the dependencies in ${deps.from} cannot be installed. Install the python3-venv package on the Berth host.`);
      }
      ctx.log(`${INDENT}python3-venv is not installed on this host: the app will run with the system python3 (standard library only)`);
      return { processTypes: await defaultProcessTypes(ctx.buildDir, 'python3') };
    }

    ctx.log(`${INDENT}creating a virtualenv in .venv`);
    // pip is only needed to install requirements; leaving it out saves seconds and megabytes.
    await buildStep(ctx, 'Creating the virtualenv failed', 'python3', ['-m', 'venv', ...(hasRequirements ? [] : ['--without-pip']), '.venv']);
    if (deps.from !== 'none') {
      // A file Berth wrote from Pipfile.lock or pyproject.toml goes where Heroku's buildpack keeps its own.
      const file = deps.from === 'requirements.txt' ? 'requirements.txt' : GENERATED_REQUIREMENTS;
      if (deps.from !== 'requirements.txt') await writeAppFile(ctx.buildDir, file, deps.requirements);
      ctx.log(`-----> Installing requirements with pip (from ${deps.from})`);
      await buildStep(ctx, `pip install of the dependencies in ${deps.from} failed`, '.venv/bin/python',
        ['-m', 'pip', 'install', '--disable-pip-version-check', '--no-input', '-r', file],
        { PIP_CACHE_DIR: `${ctx.cacheDir}/pip` });
    } else {
      ctx.log(`${INDENT}no requirements.txt, Pipfile.lock or pyproject.toml: nothing to install`);
    }
    await relocateVenv(ctx.buildDir, APP_ROOT);
    return { processTypes: await defaultProcessTypes(ctx.buildDir, '.venv/bin/python') };
  }
}

/** `web: <python> app.py` when there is an app.py; the venv's python is named relative to the cwd, /app. */
async function defaultProcessTypes(buildDir: string, python: string): Promise<ProcessTypes> {
  return (await isAppFile(buildDir, 'app.py')) ? { web: `${python} app.py` } : {};
}
