import { BaseSequencer, type TestSpecification } from 'vitest/node';
import { defineConfig } from 'vitest/config';

/**
 * The swarm suites' one file is the longest of all (a 3-node swarm made, then six suites): it goes
 * first, so the other files share the second worker meanwhile instead of all waiting for it at the
 * end. Without a timing cache (a clean clone) vitest would otherwise start it last: it is the smallest file.
 */
class SwarmFirst extends BaseSequencer {
  override async sort(files: TestSpecification[]): Promise<TestSpecification[]> {
    const sorted = await super.sort(files);
    const isSwarm = (f: TestSpecification) => f.moduleId.endsWith('/test/swarm-suites.test.ts');
    return [...sorted.filter(isSwarm), ...sorted.filter((f) => !isSwarm(f))];
  }
}

export default defineConfig({
  test: {
    include: ['src/**/*.test.ts', 'test/**/*.test.ts'],
    // The suites on the Docker-in-Docker test swarm (`*.swarm.test.ts`) run from one file,
    // test/swarm-suites.test.ts, so they share one swarm (starting one costs minutes) in one worker
    // beside the other files. Run one of them: `npx vitest run test/swarm-suites.test.ts -t <name>`.
    exclude: ['node_modules', 'dist', 'test/compat/heroku-cli/**', 'test/fixtures/**', '**/*.swarm.test.ts'],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    // End-to-end suites start real servers and processes; keep them from fighting over 2 cores.
    fileParallelism: true,
    maxWorkers: 2,
    sequence: { sequencer: SwarmFirst },
  },
});
