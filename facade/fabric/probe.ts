/**
 * Endorsement probe, run by network/up.sh once its nodes and chaincodes are up: on every channel, the gateway of each
 * member organization must collect an endorsement of the probe chaincode from every member of the channel. That only
 * works once gossip has told each gateway peer about the other members' peers and their chaincode (discovery), so it
 * is retried until a deadline. Endorse only: nothing is ordered, the ledgers do not grow.
 *
 * It reads the network's facade.env and connects exactly as the facade does (same configuration loader, same
 * connector and signer), so a network that passes the probe is one the facade can use.
 *
 * usage: tsx facade/fabric/probe.ts <facade.env> <chaincode> [timeout-seconds]
 */
import { loadFabricConfig } from '../fabricenv.js';
import type { FabricConfig } from './config.js';
import { connectOrganization, type OrganizationGateway } from './connection.js';
import { endorserMspIds } from './endorsers.js';

/** Asks `connection`'s gateway for an endorsement by every member of `channel`, until they all answer. */
async function probeGateway(
  connection: OrganizationGateway,
  config: FabricConfig,
  channel: string,
  chaincode: string,
  deadline: number,
): Promise<string[]> {
  const wanted = [...(config.channelMembers.get(channel) ?? [])].sort();
  const contract = connection.gateway.getNetwork(channel).getContract(chaincode);
  let lastError = '';
  while (Date.now() < deadline) {
    try {
      // Named endorsers: left to itself the gateway would stop at a majority, and a member it never asks could be
      // unreachable without the probe noticing.
      const endorsed = await contract.newProposal('Noop', { endorsingOrganizations: wanted }).endorse();
      const mspIds = [...new Set(endorserMspIds(endorsed.getBytes()))];
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
  const [envFile, chaincode, timeout = '90'] = process.argv.slice(2);
  if (!envFile || !chaincode) throw new Error('usage: probe.ts <facade.env> <chaincode> [timeout-seconds]');
  const started = Date.now();
  const deadline = started + Number(timeout) * 1000;
  // Only the file: a caller's own ORCHESTRATOR_FABRIC_* variables must not redirect the probe to another network.
  const config = loadFabricConfig({}, envFile);
  const connections = new Map<string, OrganizationGateway>();
  try {
    for (const channel of config.channels) {
      for (const [mspId, org] of config.organizations) {
        if (!config.channelMembers.get(channel)?.includes(mspId)) continue;
        let connection = connections.get(mspId);
        if (!connection) {
          connection = await connectOrganization(org);
          connections.set(mspId, connection);
        }
        const mspIds = await probeGateway(connection, config, channel, chaincode, deadline);
        process.stderr.write(
          `[probe] ${channel}: ${chaincode} endorsed by ${mspIds.join(' + ')} through ${mspId}'s gateway ` +
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
