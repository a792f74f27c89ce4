import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['src/**/*.test.ts', 'test/**/*.test.ts'],
    exclude: ['node_modules', 'dist', 'test/compat/heroku-cli/**', 'test/fixtures/**'],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    // End-to-end suites start real servers and processes; keep them from fighting over 2 cores.
    fileParallelism: true,
    maxWorkers: 2,
  },
});
