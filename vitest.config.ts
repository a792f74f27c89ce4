import { defineConfig } from 'vitest/config';
import { SwarmLastSequencer } from './test/support/swarm-last-sequencer.js';

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
    sequence: { sequencer: SwarmLastSequencer },
  },
});
