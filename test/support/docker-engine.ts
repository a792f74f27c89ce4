// Suites that need a Docker engine (and Berth's stack image on it) ask for it here: a loud skip
// without an engine, a failure under CI. The stack image is built once (debootstrap when no
// registry answers) and then kept on the engine, so later runs start at once.
import { mkdir, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Docker from 'dockerode';
import { ensureStackImage } from '../../src/build/docker/stack-image.js';
import type { Dependency } from './require-dependency.js';

async function pingEngine(): Promise<string | undefined> {
  try {
    await new Docker().ping();
    return undefined;
  } catch (e) {
    return `no Docker engine answers (${(e as Error).message})`;
  }
}

const engineProblem = await pingEngine();

export const dockerEngine: Dependency = {
  name: 'a Docker engine with debootstrap for the stack image',
  check: () => engineProblem,
  install: 'bash scripts/install-test-deps.sh (installs docker.io and debootstrap, starts dockerd)',
};

let stack: Promise<void> | undefined;
const LOCK_DIR = join(tmpdir(), 'berth-stack-build.lock');

/**
 * Builds berth/stack:24 when it is missing; printed progress shows why the first run is slow.
 * Test files run in parallel workers, so a lock directory keeps them from building it twice.
 */
export function stackImageReady(): Promise<void> {
  stack ??= (async () => {
    for (;;) {
      try {
        await mkdir(LOCK_DIR);
        break;
      } catch {
        // A lock older than any real build was left by a killed run.
        const age = Date.now() - ((await stat(LOCK_DIR).catch(() => undefined))?.mtimeMs ?? Date.now());
        if (age > STACK_BUILD_TIMEOUT_MS) await rm(LOCK_DIR, { recursive: true, force: true });
        await new Promise((r) => setTimeout(r, 1000));
      }
    }
    try {
      await ensureStackImage(new Docker(), { log: (l) => process.stderr.write(`[stack] ${l}\n`) });
    } finally {
      await rm(LOCK_DIR, { recursive: true, force: true });
    }
  })();
  return stack;
}

/** Long enough for a from-scratch stack build (debootstrap plus apt-get, a few minutes). */
export const STACK_BUILD_TIMEOUT_MS = 15 * 60_000;
