/**
 * Readiness probe run by network/up.sh: on every channel, the Gateway of each member organization must collect an
 * endorsement of the noop chaincode from every member of the channel. That only works once gossip has told each
 * gateway peer about the other members' peers and their chaincode (discovery), so it is retried until a deadline.
 * Endorse only: nothing is ordered, the ledgers do not grow.
 *
 * usage: tsx network/lib/probe.ts [timeout-seconds]
 */
import {
  connectGateway,
  endorserMspIds,
  readFabricNetworkEnv,
  type FabricGatewayConnection,
  type FabricNetworkEnv,
} from '../../test/support/fabric-network.js';

/** Asks `connection`'s gateway for an endorsement by every member of `channel`, until they all answer. */
async function probeGateway(
  connection: FabricGatewayConnection,
  env: FabricNetworkEnv,
  channel: string,
  deadline: number,
): Promise<string[]> {
  const wanted = [...(env.channelMembers.get(channel) ?? [])].sort();
  const contract = connection.gateway.getNetwork(channel).getContract(env.noopChaincode);
  let lastError = '';
  while (Date.now() < deadline) {
    try {
      // Named endorsers: left to itself the gateway would stop at a majority, and a member it never asks could be
      // unreachable without the probe noticing.
      const endorsed = await contract.newProposal('Noop', { endorsingOrganizations: wanted }).endorse();
      const mspIds = [...new Set(endorserMspIds(endorsed.getBytes()))].sort();
      if (JSON.stringify(mspIds) === JSON.stringify(wanted)) return mspIds;
      lastError = `endorsed by ${mspIds.join(', ')} only`;
    } catch (error) {
      lastError = error instanceof Error ? error.message : String(error);
    }
    await new Promise((resolve) => setTimeout(resolve, 1000));
  }
  throw new Error(`${channel}: no endorsement by ${wanted.join(' and ')} before the deadline (last: ${lastError})`);
}

async function main(): Promise<void> {
  const timeoutSeconds = Number(process.argv[2] ?? '90');
  const started = Date.now();
  const deadline = started + timeoutSeconds * 1000;
  const env = await readFabricNetworkEnv();
  const connections = new Map<string, FabricGatewayConnection>();
  try {
    for (const channel of env.channels) {
      const members = env.orgs.filter((org) => env.channelMembers.get(channel)?.includes(org.mspId));
      for (const org of members) {
        let connection = connections.get(org.mspId);
        if (!connection) {
          connection = await connectGateway(org);
          connections.set(org.mspId, connection);
        }
        const mspIds = await probeGateway(connection, env, channel, deadline);
        process.stderr.write(
          `[probe] ${channel}: ${env.noopChaincode} endorsed by ${mspIds.join(' + ')} through ${org.mspId}'s gateway ` +
            `(${((Date.now() - started) / 1000).toFixed(1)}s)\n`,
        );
      }
    }
  } finally {
    for (const connection of connections.values()) connection.close();
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`[probe] ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
