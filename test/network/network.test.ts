/**
 * The native Fabric test network (network/up.sh): nodes healthy, both channels alive on both peers,
 * and a transaction through Org1's Gateway that is endorsed by both organizations, commits, and
 * whose chaincode event reaches a listener. Also proves the endorsement policy needs both orgs:
 * a transaction endorsed by Org1 alone is invalidated at commit.
 *
 * The first run on a machine builds Fabric with Go (minutes), hence the long beforeAll timeout.
 */
import { randomUUID } from 'node:crypto';

import { StatusCode, type ChaincodeEvent, type Network } from '@hyperledger/fabric-gateway';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import {
  channelHeight,
  connectGateway,
  endorserMspIds,
  ensureFabricNetwork,
  fabricNetworkStatus,
  nodeHealth,
  orgByMspId,
  readFabricTopology,
  type FabricGatewayConnection,
  type FabricNetworkEnv,
  type FabricTopology,
} from '../support/fabric-network.js';

const TEST_TIMEOUT_MS = 180_000;
const NETWORK_UP_TIMEOUT_MS = 30 * 60_000;

let env: FabricNetworkEnv;
let topology: FabricTopology;
let org1: FabricGatewayConnection;
let org2: FabricGatewayConnection;

beforeAll(async () => {
  env = await ensureFabricNetwork();
  topology = await readFabricTopology();
  org1 = await connectGateway(orgByMspId(env, 'MyOrg1MSP'));
  org2 = await connectGateway(orgByMspId(env, 'MyOrg2MSP'));
}, NETWORK_UP_TIMEOUT_MS);

afterAll(() => {
  org1?.close();
  org2?.close();
});

/** Waits for the event of transaction TX_ID; the iterator is closed either way. */
async function waitForEvent(
  network: Network,
  chaincode: string,
  startBlock: bigint,
  txId: string,
): Promise<ChaincodeEvent> {
  const events = await network.getChaincodeEvents(chaincode, { startBlock });
  const timer = setTimeout(() => events.close(), 30_000);
  try {
    for await (const event of events) {
      if (event.transactionId === txId) return event;
    }
    throw new Error(`no chaincode event for ${txId} within 30s`);
  } finally {
    clearTimeout(timer);
    events.close();
  }
}

async function eventually<T>(fn: () => Promise<T>, accept: (value: T) => boolean, timeoutMs = 20_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await fn();
    if (accept(value) || Date.now() > deadline) return value;
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}

describe('native Fabric test network', { timeout: TEST_TIMEOUT_MS }, () => {
  it('describes two organizations and two channels in facade.env', () => {
    expect(env.channels).toEqual(['mychannel', 'yourchannel']);
    expect(env.orgs.map((o) => o.mspId)).toEqual(['MyOrg1MSP', 'MyOrg2MSP']);
    expect(env.chaincode).toBe('orchestrator');
    expect(env.noopChaincode).toBe('noop');
    for (const org of env.orgs) {
      expect(org.peerEndpoint).toMatch(/^127\.0\.0\.1:\d+$/);
      expect(org.peerHostAlias).toMatch(/^peer0\.org\d\.example\.com$/);
    }
  });

  it('reports every node healthy', async () => {
    expect(topology.nodes.map((n) => n.name)).toEqual(['orderer', 'peer0.org1', 'peer0.org2']);
    for (const node of topology.nodes) {
      expect(await nodeHealth(node), node.name).toEqual({ httpStatus: 200, status: 'OK' });
    }
    const status = await fabricNetworkStatus();
    expect(status.healthy, status.output).toBe(true);
  });

  it('has both channels on both peers, at the same height', async () => {
    for (const channel of env.channels) {
      const height1 = await channelHeight(org1, channel);
      // genesis block + noop approvals by two orgs + commit, at least
      expect(height1).toBeGreaterThanOrEqual(4);
      const height2 = await eventually(
        () => channelHeight(org2, channel),
        (h) => h >= height1,
      );
      expect(height2, `${channel} on peer0.org2`).toBeGreaterThanOrEqual(height1);
    }
  });

  for (const channel of ['mychannel', 'yourchannel']) {
    it(`commits a transaction endorsed by both orgs on ${channel} and delivers its event`, async () => {
      const network = org1.gateway.getNetwork(channel);
      const contract = network.getContract(env.noopChaincode);
      const key = `probe-${randomUUID()}`;
      const value = `value-${randomUUID()}`;
      const startBlock = BigInt(await channelHeight(org1, channel));

      const endorsed = await contract.newProposal('Put', { arguments: [key, value] }).endorse();
      expect(endorserMspIds(endorsed.getBytes())).toEqual(['MyOrg1MSP', 'MyOrg2MSP']);

      const eventPromise = waitForEvent(network, env.noopChaincode, startBlock, endorsed.getTransactionId());
      const submitted = await endorsed.submit();
      const status = await submitted.getStatus();
      expect(status.successful, `commit status code ${status.code}`).toBe(true);
      expect(status.blockNumber).toBeGreaterThanOrEqual(startBlock);

      const event = await eventPromise;
      expect(event.eventName).toBe('probe');
      expect(event.blockNumber).toBe(status.blockNumber);
      expect(Buffer.from(event.payload).toString('utf8')).toBe(value);

      // the write is visible on the other organization's peer too
      const org2Contract = org2.gateway.getNetwork(channel).getContract(env.noopChaincode);
      const read = await eventually(
        async () => Buffer.from(await org2Contract.evaluateTransaction('Get', key)).toString('utf8'),
        (v) => v === value,
      );
      expect(read).toBe(value);
    });
  }

  it('invalidates a transaction endorsed by MyOrg1MSP alone (the policy needs both orgs)', async () => {
    const contract = org1.gateway.getNetwork('mychannel').getContract(env.noopChaincode);
    const key = `policy-${randomUUID()}`;

    const endorsed = await contract
      .newProposal('Put', { arguments: [key, 'one-org-only'], endorsingOrganizations: ['MyOrg1MSP'] })
      .endorse();
    expect(endorserMspIds(endorsed.getBytes())).toEqual(['MyOrg1MSP']);

    const status = await (await endorsed.submit()).getStatus();
    expect(status.successful).toBe(false);
    expect(status.code).toBe(StatusCode.ENDORSEMENT_POLICY_FAILURE);
    expect(Buffer.from(await contract.evaluateTransaction('Get', key)).toString('utf8')).toBe('');
  });
});
