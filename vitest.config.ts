import { defineConfig } from 'vitest/config';

// Suites that run on the Docker-in-Docker test swarm (`*.swarm.test.ts`) share one worker process, so
// the swarm (test/support/swarm-cluster.ts) is made once per run, not once per file: starting one
// costs minutes. They run one after another in that worker, beside the other suites.
const SWARM_SUITES = ['src/**/*.swarm.test.ts', 'test/**/*.swarm.test.ts'];

export default defineConfig({
  test: {
    exclude: ['node_modules', 'dist', 'test/compat/heroku-cli/**', 'test/fixtures/**'],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    // End-to-end suites start real servers and processes; keep them from fighting over 2 cores.
    fileParallelism: true,
    maxWorkers: 2,
    projects: [
      {
        extends: true,
        test: { name: 'main', include: ['src/**/*.test.ts', 'test/**/*.test.ts'], exclude: ['node_modules', 'dist', 'test/compat/heroku-cli/**', 'test/fixtures/**', ...SWARM_SUITES] },
      },
      {
        extends: true,
        test: {
          name: 'swarm', include: SWARM_SUITES,
          isolate: false, fileParallelism: false,
          globalSetup: ['test/support/swarm-global-setup.ts'],
        },
      },
    ],
  },
});
