// The order test files start in. Vitest's own order puts files that failed or were slow in its last
// run first; a clean clone (CI) has no such record and falls back to file size. On top of that:
// - The end-to-end files (test/) go first, then the swarm suites' file, then the unit files (src/).
// - The swarm suites (one small file, about 9 minutes) must not share the two cores with the
//   compatibility suite and the other end-to-end files: started first, the fleet's node-loss window
//   check and a compat case's 30 s timeout failed (CI, 2026-11-30, twice).
// - Run last and alone, it held, but one worker then sat idle for most of its 9 minutes. The unit
//   files (about 400 s in all, none of them timing-bound) fill that worker instead: they run beside
//   the swarm's set-up and runtime suites, and are done by the time its fleet suite kills nodes.
import { relative } from 'node:path';
import { BaseSequencer, type TestSpecification } from 'vitest/node';

const SWARM = 'test/swarm-suites.test.ts';

export class FileOrderSequencer extends BaseSequencer {
  override async sort(files: TestSpecification[]): Promise<TestSpecification[]> {
    const sorted = await super.sort(files);
    const group = (f: TestSpecification) => {
      const path = relative(f.project.config.root, f.moduleId);
      return path === SWARM ? 1 : path.startsWith('src/') ? 2 : 0;
    };
    return [0, 1, 2].flatMap((g) => sorted.filter((f) => group(f) === g));
  }
}
