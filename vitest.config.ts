import { defineConfig } from 'vitest/config';

/**
 * Two groups, run one after the other: the suite (files in parallel), then the fault tests, which stop and restart
 * parts of the shared Fabric network and so must not overlap with anything else that uses it.
 */
export default defineConfig({
  test: {
    testTimeout: 30_000,
    // A first run builds Fabric with Go before the network and Fabric suites can start.
    hookTimeout: 1_800_000,
    pool: 'forks',
    maxWorkers: 2,
    projects: [
      {
        extends: true,
        test: {
          name: 'suite',
          include: ['test/**/*.test.ts'],
          exclude: ['test/faults/**'],
          fileParallelism: true,
          sequence: { groupOrder: 0 },
        },
      },
      {
        extends: true,
        test: {
          name: 'faults',
          include: ['test/faults/**/*.test.ts'],
          fileParallelism: false,
          sequence: { groupOrder: 1 },
        },
      },
    ],
  },
});
