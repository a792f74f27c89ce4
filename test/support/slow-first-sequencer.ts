// The order test files start in. Vitest's own order puts files that failed or were slow in its last
// run first, but a clean clone (CI) has no such record and falls back to file size: the swarm suites'
// one small file, ~9 minutes on its own, then started last, and one worker ran it alone at the end.
// Starting it first lets the other worker run everything else meanwhile.
import { BaseSequencer, type TestSpecification } from 'vitest/node';

const FIRST = ['test/swarm-suites.test.ts'];

export class SlowFirstSequencer extends BaseSequencer {
  override async sort(files: TestSpecification[]): Promise<TestSpecification[]> {
    const sorted = await super.sort(files);
    const rank = (f: TestSpecification) => {
      const i = FIRST.findIndex((name) => f.moduleId.endsWith(name));
      return i === -1 ? FIRST.length : i;
    };
    return [...sorted].sort((a, b) => rank(a) - rank(b));
  }
}
