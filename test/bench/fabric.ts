import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import type { OrchestratorClient } from '../support/client.js';
import { loadFabricConfig } from '../../facade/fabricenv.js';
import { connectOrganization } from '../../facade/fabric/connection.js';
import { ensureFabricNetwork, networkProcessPid, type NetworkProcess } from '../support/fabric-network.js';
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
  async start(root) {
    await ensureFabricNetwork();
    const env = { ORCHESTRATOR_MODE: 'distributed' };
    let server = await startBenchServer(env, undefined, root);
    return {
      server,
      restart: async () => {
        await server.stop();
        server = await startBenchServer(env, undefined, root);
        return server;
      },
      stop: () => server.stop(),
    };
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
 * network, against single-asset writes through the facade (RegisterPlan: one document, two index entries, one
 * event) at the same concurrency. The no-op client is the facade's own Fabric client (connection, native signer,
 * parallel endorsement), so the ceiling is the best a client of this network can do, not a slower stand-in. One short burst of each proved noisy (the first burst of a path pays for JIT and
 * connections, and the shared machine drifts): both paths are warmed up, then measured in alternating rounds, and
 * the ratio is that of the mean rates.
 */
export async function measureCeiling(
  client: OrchestratorClient,
  count = 300,
  concurrency = 32,
  rounds = 3,
): Promise<Record<string, number>> {
  const env = await ensureFabricNetwork();
  const config = loadFabricConfig(process.env);
  const org = config.organizations.get('MyOrg1MSP');
  if (!org) throw new Error('the network has no MyOrg1MSP identity');
  const connection = await connectOrganization(org);
  try {
    const noop = connection.gateway.getNetwork('mychannel').getContract(env.noopChaincode);
    const endorsers = config.endorsingOrganizations;
    const options = endorsers.length > 0 ? { endorsingOrganizations: [...endorsers] } : {};
    const noopRound = (n: number) => throughput(n, concurrency, () => noop.submit('Noop', options));
    const facadeRound = (n: number) =>
      throughput(n, concurrency, () => client.plan.registerPlan({ key: randomUUID(), name: 'ceiling' }));
    await noopRound(concurrency * 3);
    await facadeRound(concurrency * 3);
    const noopRates: number[] = [];
    const facadeRates: number[] = [];
    for (let r = 0; r < rounds; r++) {
      noopRates.push(await noopRound(count));
      facadeRates.push(await facadeRound(count));
    }
    const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
    const noopTps = mean(noopRates);
    const facadeTps = mean(facadeRates);
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
