// The Python buildpack: a venv in `.venv` with requirements.txt installed, relocated to /app.
import { readdir } from 'node:fs/promises';
import { BerthError } from '../../../domain/errors.js';
import type { ProcessTypes } from '../../../domain/types.js';
import { isAppFile } from '../../app-files.js';
import type { Buildpack, CompileContext, CompileResult } from '../../buildpack.js';
import { buildEnv, buildStep, INDENT, runStep } from '../../build-step.js';
import { relocateVenv } from './relocate-venv.js';

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
    const hasRequirements = await isAppFile(ctx.buildDir, 'requirements.txt');
    if (!(await venvAvailable(ctx))) {
      if (hasRequirements) {
        throw new BerthError('build_failed', 'python3 cannot create a virtualenv here, so requirements.txt cannot be installed. Install the python3-venv package on the Berth host.');
      }
      ctx.log(`${INDENT}python3-venv is not installed on this host: the app will run with the system python3 (standard library only)`);
      return { processTypes: await defaultProcessTypes(ctx.buildDir, 'python3') };
    }

    ctx.log(`${INDENT}creating a virtualenv in .venv`);
    // pip is only needed to install requirements; leaving it out saves seconds and megabytes.
    await buildStep(ctx, 'Creating the virtualenv failed', 'python3', ['-m', 'venv', ...(hasRequirements ? [] : ['--without-pip']), '.venv']);
    if (hasRequirements) {
      ctx.log('-----> Installing requirements with pip');
      await buildStep(ctx, 'pip install -r requirements.txt failed', '.venv/bin/python',
        ['-m', 'pip', 'install', '--disable-pip-version-check', '--no-input', '-r', 'requirements.txt'],
        { PIP_CACHE_DIR: `${ctx.cacheDir}/pip` });
    } else {
      ctx.log(`${INDENT}no requirements.txt: nothing to install (dependencies are read from requirements.txt only)`);
    }
    await relocateVenv(ctx.buildDir, APP_ROOT);
    return { processTypes: await defaultProcessTypes(ctx.buildDir, '.venv/bin/python') };
  }
}

/** `web: <python> app.py` when there is an app.py; the venv's python is named relative to the cwd, /app. */
async function defaultProcessTypes(buildDir: string, python: string): Promise<ProcessTypes> {
  return (await isAppFile(buildDir, 'app.py')) ? { web: `${python} app.py` } : {};
}
