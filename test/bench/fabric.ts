import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import type { OrchestratorClient } from '../support/client.js';
import {
  connectGateway,
  ensureFabricNetwork,
  networkProcessPid,
  orgByMspId,
  type NetworkProcess,
} from '../support/fabric-network.js';
import { now, round } from './stats.js';
import { startBenchServer, type BenchTarget } from './target.js';

/** Peak resident memory (VmHWM) of a network process recorded by network/up.sh, in MiB. */
export function networkProcessPeakMiB(name: NetworkProcess): number {
  const pid = networkProcessPid(name);
  if (pid === undefined) return Number.NaN;
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  return Number(/VmHWM:\s+(\d+) kB/.exec(status)?.[1] ?? 'NaN') / 1024;
}

export const fabric: BenchTarget = {
  name: 'fabric',
  async start() {
    await ensureFabricNetwork();
    const server = await startBenchServer({ ORCHESTRATOR_MODE: 'distributed' });
    return { server, stop: () => server.stop() };
  },
};

/** Runs `count` calls of `call` with `concurrency` in flight; returns calls per second. */
async function throughput(count: number, concurrency: number, call: (i: number) => Promise<unknown>): Promise<number> {
  let next = 0;
  const t0 = now();
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      for (let i = next++; i < count; i = next++) await call(i);
    }),
  );
  return count / ((now() - t0) / 1000);
}

/**
 * The ceiling: a chaincode function that does nothing, submitted through fabric-gateway directly on the same
 * network, against single-asset writes through the facade (RegisterPlan: one document, one index entry, one event)
 * at the same concurrency.
 */
export async function measureCeiling(
  client: OrchestratorClient,
  count = 400,
  concurrency = 32,
): Promise<Record<string, number>> {
  const env = await ensureFabricNetwork();
  const connection = await connectGateway(orgByMspId(env, 'MyOrg1MSP'));
  try {
    const noop = connection.gateway.getNetwork('mychannel').getContract(env.noopChaincode);
    const noopTps = await throughput(count, concurrency, () => noop.submitTransaction('Noop'));
    const facadeTps = await throughput(count, concurrency, () =>
      client.plan.registerPlan({ key: randomUUID(), name: 'ceiling' }),
    );
    return {
      noopChaincodeTps: round(noopTps, 1),
      singleAssetWriteTps: round(facadeTps, 1),
      singleAssetWriteToCeilingRatio: round(facadeTps / noopTps, 3),
      // Each organization runs its own orchestrator chaincode server: the larger of the two.
      chaincodePeakRssMiB: round(
        Math.max(networkProcessPeakMiB('cc-orchestrator-org1'), networkProcessPeakMiB('cc-orchestrator-org2')),
        1,
      ),
      peerOrg1PeakRssMiB: round(networkProcessPeakMiB('peer0.org1'), 1),
      ordererPeakRssMiB: round(networkProcessPeakMiB('orderer'), 1),
    };
  } finally {
    connection.close();
  }
}
