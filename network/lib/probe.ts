/**
 * Readiness probe run by network/up.sh: on every channel, the first organization's Gateway must
 * collect an endorsement of the noop chaincode from every organization. That only works once gossip
 * has told the gateway peer about the other organization's peer and its chaincode (discovery), so
 * it is retried until a deadline. Endorse only: nothing is ordered, the ledgers do not grow.
 *
 * usage: tsx network/lib/probe.ts [timeout-seconds]
 */
import { connectGateway, endorserMspIds, readFabricNetworkEnv } from '../../test/support/fabric-network.js';

async function probeChannel(channel: string, deadline: number): Promise<string[]> {
  const env = await readFabricNetworkEnv();
  const first = env.orgs[0];
  if (!first) throw new Error('facade.env lists no organization');
  const wanted = env.orgs.map((o) => o.mspId).sort();
  const connection = await connectGateway(first);
  try {
    const contract = connection.gateway.getNetwork(channel).getContract(env.noopChaincode);
    let lastError = '';
    while (Date.now() < deadline) {
      try {
        const endorsed = await contract.newProposal('Noop').endorse();
        const mspIds = [...new Set(endorserMspIds(endorsed.getBytes()))].sort();
        if (JSON.stringify(mspIds) === JSON.stringify(wanted)) return mspIds;
        lastError = `endorsed by ${mspIds.join(', ')} only`;
      } catch (error) {
        lastError = error instanceof Error ? error.message : String(error);
      }
      await new Promise((resolve) => setTimeout(resolve, 1000));
    }
    throw new Error(`${channel}: no endorsement by ${wanted.join(' and ')} before the deadline (last: ${lastError})`);
  } finally {
    connection.close();
  }
}

async function main(): Promise<void> {
  const timeoutSeconds = Number(process.argv[2] ?? '90');
  const deadline = Date.now() + timeoutSeconds * 1000;
  const env = await readFabricNetworkEnv();
  for (const channel of env.channels) {
    const mspIds = await probeChannel(channel, deadline);
    process.stderr.write(`[probe] ${channel}: ${env.noopChaincode} endorsed by ${mspIds.join(' + ')}\n`);
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`[probe] ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
