import { defineConfig } from 'vitest/config';

/**
 * Four groups, run one after the other: the suite (files in parallel), then the fault tests, which stop and restart
 * parts of the shared Fabric network and so must not overlap with anything else that uses it, then the Fabric
 * conformance suite and the chaincode-TLS and connection-profile tests again on the hosts topology (each organization
 * and the orderer in a network namespace of its own: network/README.md), a second network with its own state.
 * Last, the Fabric network's fault tests again on the hosts topology (stopped peers and chaincode servers, a
 * restarted facade), which are what a multi-host deployment most needs to survive.
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
      {
        extends: true,
        test: {
          name: 'hosts',
          include: [
            'test/conformance/fabric.test.ts',
            'test/network/chaincode-tls.test.ts',
            'test/network/profile.test.ts',
          ],
          env: { ORCHESTRATOR_NETWORK_TOPOLOGY: 'hosts' },
          fileParallelism: true,
          sequence: { groupOrder: 2 },
        },
      },
      {
        extends: true,
        test: {
          name: 'hosts-faults',
          include: ['test/faults/fabric.test.ts'],
          env: { ORCHESTRATOR_NETWORK_TOPOLOGY: 'hosts' },
          fileParallelism: false,
          sequence: { groupOrder: 3 },
        },
      },
    ],
  },
});
