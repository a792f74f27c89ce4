// The external programs the benchmarks drive, and the project's own script that installs them.
import { execFileSync, spawnSync } from 'node:child_process';
import { join } from 'node:path';

export const REQUIRED_TOOLS = ['wrk', 'nginx', 'caddy', 'h2load', 'taskset'] as const;

export function missingTools(): string[] {
  return REQUIRED_TOOLS.filter((t) => spawnSync('sh', ['-c', 'command -v "$1"', 'sh', t], { stdio: 'ignore' }).status !== 0);
}

/** Installs missing tools with scripts/install-bench-deps.sh when root; otherwise says what to run and throws. */
export function ensureTools(root: string): void {
  const missing = missingTools();
  if (missing.length === 0) return;
  const script = join(root, 'scripts', 'install-bench-deps.sh');
  if (process.getuid?.() !== 0) {
    throw new Error(`missing ${missing.join(', ')}; install them with:  sudo bash ${script}`);
  }
  process.stdout.write(`bench: ${missing.join(', ')} missing; running ${script}\n`);
  execFileSync('bash', [script], { stdio: 'inherit' });
  const still = missingTools();
  if (still.length > 0) throw new Error(`still missing after ${script}: ${still.join(', ')}`);
}
