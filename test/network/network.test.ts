/**
 * The native Fabric test network (network/up.sh): nodes healthy, every channel alive on its members'
 * peers (MyOrg1MSP and MyOrg2MSP on both, MyOrg3MSP on yourchannel only), and a transaction through
 * Org1's Gateway that is endorsed by a majority of the channel's organizations, commits, and whose
 * chaincode event reaches a listener. Also proves the endorsement policy needs a majority: a
 * transaction endorsed by one organization alone is invalidated at commit. MyOrg3MSP works on
 * yourchannel and is refused on mychannel.
 *
 * The first run on a machine builds Fabric with Go (minutes), hence the long beforeAll timeout.
 */
import { randomUUID } from 'node:crypto';

import { GatewayError, StatusCode, type ChaincodeEvent, type Network } from '@hyperledger/fabric-gateway';
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
let org3: FabricGatewayConnection;
/** Gateway connections by MSP id. */
const gateways = new Map<string, FabricGatewayConnection>();

const MEMBERS = {
  mychannel: ['MyOrg1MSP', 'MyOrg2MSP'],
  yourchannel: ['MyOrg1MSP', 'MyOrg2MSP', 'MyOrg3MSP'],
} as const;

beforeAll(async () => {
  env = await ensureFabricNetwork();
  topology = await readFabricTopology();
  org1 = await connectGateway(orgByMspId(env, 'MyOrg1MSP'));
  org2 = await connectGateway(orgByMspId(env, 'MyOrg2MSP'));
  org3 = await connectGateway(orgByMspId(env, 'MyOrg3MSP'));
  gateways.set('MyOrg1MSP', org1).set('MyOrg2MSP', org2).set('MyOrg3MSP', org3);
}, NETWORK_UP_TIMEOUT_MS);

afterAll(() => {
  for (const connection of gateways.values()) connection.close();
});

/** How a call failed (it must fail): its error's message and those of the peers behind it. */
async function refusal(call: () => Promise<unknown>): Promise<string> {
  try {
    await call();
  } catch (err) {
    if (!(err instanceof GatewayError)) throw err;
    return [err.message, ...err.details.map((d) => d.message)].join(' | ');
  }
  throw new Error('expected the call to be refused');
}

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
  it('describes three organizations, two channels and who is on which in facade.env', () => {
    expect(env.channels).toEqual(['mychannel', 'yourchannel']);
    expect(env.orgs.map((o) => o.mspId)).toEqual(['MyOrg1MSP', 'MyOrg2MSP', 'MyOrg3MSP']);
    expect(Object.fromEntries(env.channelMembers)).toEqual(MEMBERS);
    // Members of every channel and a majority of each: the facade endorses on both at once everywhere.
    expect(env.endorsingOrganizations).toEqual(['MyOrg1MSP', 'MyOrg2MSP']);
    expect(env.chaincode).toBe('orchestrator');
    expect(env.noopChaincode).toBe('noop');
    for (const org of env.orgs) {
      expect(org.peerEndpoint).toMatch(/^127\.0\.0\.1:\d+$/);
      expect(org.peerHostAlias).toMatch(/^peer0\.org\d\.example\.com$/);
    }
  });

  it('reports every node healthy', async () => {
    expect(topology.nodes.map((n) => n.name)).toEqual(['orderer', 'peer0.org1', 'peer0.org2', 'peer0.org3']);
    expect(topology.nodes.find((n) => n.name === 'peer0.org3')?.channels).toEqual(['yourchannel']);
    for (const node of topology.nodes) {
      expect(await nodeHealth(node), node.name).toEqual({ httpStatus: 200, status: 'OK' });
    }
    const status = await fabricNetworkStatus();
    expect(status.healthy, status.output).toBe(true);
  });

  it("has each channel on its members' peers, at the same height, and mychannel not on peer0.org3", async () => {
    for (const [channel, members] of Object.entries(MEMBERS)) {
      const height1 = await channelHeight(org1, channel);
      // genesis block + noop approvals (one block when they are fast) + commit, at least
      expect(height1).toBeGreaterThanOrEqual(3);
      for (const mspId of members.slice(1)) {
        const height = await eventually(
          () => channelHeight(gateways.get(mspId)!, channel),
          (h) => h >= height1,
        );
        expect(height, `${channel} on ${mspId}'s peer`).toBeGreaterThanOrEqual(height1);
      }
    }
    expect(await refusal(() => channelHeight(org3, 'mychannel'))).toMatch(/failed to get config for channel/);
  });

  for (const [channel, members] of Object.entries(MEMBERS)) {
    it(`commits a transaction endorsed by a majority of ${channel}'s orgs and delivers its event`, async () => {
      const network = org1.gateway.getNetwork(channel);
      const contract = network.getContract(env.noopChaincode);
      const key = `probe-${randomUUID()}`;
      const value = `value-${randomUUID()}`;
      const startBlock = BigInt(await channelHeight(org1, channel));

      const endorsed = await contract.newProposal('Put', { arguments: [key, value] }).endorse();
      // The gateway asks as few organizations as the policy allows: MAJORITY is both of two, any two of three.
      const endorsers = endorserMspIds(endorsed.getBytes());
      expect(endorsers).toContain('MyOrg1MSP');
      expect(endorsers.every((mspId) => (members as readonly string[]).includes(mspId))).toBe(true);
      expect(endorsers).toHaveLength(Math.floor(members.length / 2) + 1);

      const eventPromise = waitForEvent(network, env.noopChaincode, startBlock, endorsed.getTransactionId());
      const submitted = await endorsed.submit();
      const status = await submitted.getStatus();
      expect(status.successful, `commit status code ${status.code}`).toBe(true);
      expect(status.blockNumber).toBeGreaterThanOrEqual(startBlock);

      const event = await eventPromise;
      expect(event.eventName).toBe('probe');
      expect(event.blockNumber).toBe(status.blockNumber);
      expect(Buffer.from(event.payload).toString('utf8')).toBe(value);

      // the write is visible on every other member's peer too
      for (const mspId of members.slice(1)) {
        const other = gateways.get(mspId)!.gateway.getNetwork(channel).getContract(env.noopChaincode);
        const read = await eventually(
          async () => Buffer.from(await other.evaluateTransaction('Get', key)).toString('utf8'),
          (v) => v === value,
        );
        expect(read, `read on ${mspId}'s peer`).toBe(value);
      }
    });

    it(`invalidates a transaction on ${channel} endorsed by MyOrg1MSP alone (the policy needs a majority)`, async () => {
      const contract = org1.gateway.getNetwork(channel).getContract(env.noopChaincode);
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
  }

  it("MyOrg3MSP's gateway commits on yourchannel with MyOrg1MSP and MyOrg2MSP endorsing, as the facade does", async () => {
    const contract = org3.gateway.getNetwork('yourchannel').getContract(env.noopChaincode);
    const key = `org3-${randomUUID()}`;
    const endorsed = await contract
      .newProposal('Put', { arguments: [key, 'from org3'], endorsingOrganizations: ['MyOrg1MSP', 'MyOrg2MSP'] })
      .endorse();
    expect(endorserMspIds(endorsed.getBytes())).toEqual(['MyOrg1MSP', 'MyOrg2MSP']);
    const status = await (await endorsed.submit()).getStatus();
    expect(status.successful, `commit status code ${status.code}`).toBe(true);
    expect(Buffer.from(await contract.evaluateTransaction('Get', key)).toString('utf8')).toBe('from org3');
  });

  it('refuses MyOrg3MSP on mychannel, through its own peer and through a member of the channel', async () => {
    // Its own peer has not joined mychannel (what the facade, which talks to each org's own peer, runs into).
    const own = org3.gateway.getNetwork('mychannel').getContract(env.noopChaincode);
    expect(await refusal(() => own.evaluateTransaction('Get', 'k'))).toMatch(/failed to get config for channel/);
    // MyOrg1MSP's peer does not know its identity on mychannel.
    const { mspId, certPath, keyPath } = orgByMspId(env, 'MyOrg3MSP');
    const viaOrg1 = await connectGateway({ ...orgByMspId(env, 'MyOrg1MSP'), mspId, certPath, keyPath });
    try {
      const contract = viaOrg1.gateway.getNetwork('mychannel').getContract(env.noopChaincode);
      expect(await refusal(() => contract.evaluateTransaction('Get', 'k'))).toMatch(
        /access denied: channel \[mychannel\] creator org unknown/,
      );
    } finally {
      viaOrg1.close();
    }
  });
});
