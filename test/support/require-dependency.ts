// Suites that need something outside npm (a root shell, the heroku CLI, Docker, PostgreSQL…)
// ask for it here. Outside CI a missing dependency skips the suite with one loud line saying
// what to install; under CI=true it fails the run, so nothing is ever skipped silently.
import { describe } from 'vitest';

export interface Dependency {
  /** What is needed, e.g. "the official heroku CLI". */
  name: string;
  /** Returns undefined when available, or why it is not. */
  check(): string | undefined;
  /** The command that installs it. */
  install: string;
}

export const underCi = (): boolean => process.env.CI === 'true' || process.env.CI === '1';

/** describe() when the dependency is there, describe.skip() with a loud line otherwise (an error under CI). */
export function describeWith(dep: Dependency, title: string, body: () => void): void {
  const missing = dep.check();
  if (!missing) {
    describe(title, body);
    return;
  }
  const line = `SKIPPED "${title}": ${dep.name} is missing (${missing}). Install it with: ${dep.install}`;
  if (underCi()) {
    describe(title, () => {
      throw new Error(`CI=true and ${line}`);
    });
    return;
  }
  process.stderr.write(`\n!!! ${line}\n\n`);
  describe.skip(title, body);
}

export const asRoot: Dependency = {
  name: 'root privileges (namespaces, cgroups, per-app users)',
  check: () => (process.getuid?.() === 0 ? undefined : 'not running as root'),
  install: 'sudo npm test',
};
