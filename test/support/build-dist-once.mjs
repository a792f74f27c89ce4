// Compiles src/ into dist/ unless dist/ is already newer than every source file. Run under a lock
// (see buildDist in cli-harness.ts): test files start together, and a second tsc run rewriting
// dist/ while another file's server copies Berth's build code into a sandbox would hand that build
// half-written modules.
import { spawnSync } from 'node:child_process';
import { readdirSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

const root = process.argv[2];
const marker = join(root, 'dist', '.built-from-src');

function newestSource(dir) {
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) newest = Math.max(newest, newestSource(path));
    else if (entry.name.endsWith('.ts')) newest = Math.max(newest, statSync(path).mtimeMs);
  }
  return newest;
}

const builtAt = (() => { try { return statSync(marker).mtimeMs; } catch { return 0; } })();
const sourcesAt = Math.max(newestSource(join(root, 'src')), statSync(join(root, 'tsconfig.build.json')).mtimeMs, statSync(join(root, 'tsconfig.json')).mtimeMs);
if (builtAt <= sourcesAt) {
  const startedAt = new Date();
  const tsc = join(root, 'node_modules', 'typescript', 'bin', 'tsc');
  spawnSync(process.execPath, [tsc, '-p', 'tsconfig.build.json'], { cwd: root, stdio: 'ignore' });
  // Stamped with the start time: a source saved during the build makes the next call build again.
  writeFileSync(marker, `${startedAt.toISOString()}\n`);
  utimesSync(marker, startedAt, startedAt);
}
