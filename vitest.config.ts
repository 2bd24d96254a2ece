import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // Removes each test file's temporary folders once its tests are done.
    setupFiles: ['test/helpers/cleanup.ts'],
    // Generous: a test must pass on a busy machine (another CPU-bound process beside the suite),
    // and no test waits on the clock; these limits only catch a hang.
    testTimeout: 180_000,
    hookTimeout: 180_000,
    pool: 'forks',
    // Every core: vitest would otherwise keep one for itself (one worker on a 2-core machine).
    maxWorkers: '100%',
  },
});
