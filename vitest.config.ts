import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 30_000,
    // A first run builds Fabric with Go before the network and Fabric suites can start.
    hookTimeout: 1_800_000,
    pool: 'forks',
    fileParallelism: true,
    maxWorkers: 2,
  },
});
