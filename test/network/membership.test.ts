/**
 * The distributed facade and Fabric's channel membership: MyOrg3MSP is a member of yourchannel only. A facade whose
 * own channel configuration wrongly allows MyOrg3MSP on mychannel must still answer PERMISSION_DENIED (OE0102), never
 * UNAVAILABLE, UNKNOWN or INTERNAL: refused by the facade itself when facade.env says who is on which channel
 * (ORCHESTRATOR_FABRIC_CHANNEL_ORGS), and by Fabric (mapped from the peer's words) when it does not.
 */
import { status } from '@grpc/grpc-js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { connect, RpcError } from '../support/client.js';
import { ensureFabricNetwork } from '../support/fabric-network.js';
import { startServer, type TestServer } from '../support/server.js';

const NETWORK_UP_TIMEOUT_MS = 30 * 60_000;
const TEST_TIMEOUT_MS = 120_000;

/** Wrong on purpose: MyOrg3MSP is not a member of mychannel on the network. */
const TOO_OPEN = {
  mychannel: ['MyOrg1MSP', 'MyOrg2MSP', 'MyOrg3MSP'],
  yourchannel: ['MyOrg1MSP', 'MyOrg2MSP', 'MyOrg3MSP'],
};

const facades: TestServer[] = [];

async function facade(env: Record<string, string | undefined> = {}): Promise<TestServer> {
  const server = await startServer({
    env: { ORCHESTRATOR_MODE: 'distributed', ...env },
    channels: TOO_OPEN,
    startTimeoutMs: 120_000,
  });
  facades.push(server);
  return server;
}

/** The gRPC status name and OE code a call failed with (it must fail). */
async function failure(call: () => Promise<unknown>): Promise<[string, string]> {
  try {
    await call();
  } catch (err) {
    if (!(err instanceof RpcError)) throw err;
    return [status[err.code] ?? String(err.code), /OE\d{4}/.exec(err.details)?.[0] ?? err.details];
  }
  throw new Error('expected the call to fail');
}

beforeAll(async () => {
  await ensureFabricNetwork();
}, NETWORK_UP_TIMEOUT_MS);

afterAll(async () => {
  await Promise.all(facades.map((server) => server.stop()));
});

describe('a facade that allows MyOrg3MSP on mychannel, where Fabric does not', { timeout: TEST_TIMEOUT_MS }, () => {
  it('refuses MyOrg3MSP there itself (facade.env lists the members), and serves it on yourchannel', async () => {
    const server = await facade();
    const org3 = connect(server.address, { mspid: 'MyOrg3MSP', channel: 'mychannel' });
    expect(await failure(() => org3.organization.getAllOrganizations({}))).toEqual(['PERMISSION_DENIED', 'OE0102']);
    expect(await failure(() => org3.plan.registerPlan({ key: crypto.randomUUID(), name: 'p' }))).toEqual([
      'PERMISSION_DENIED',
      'OE0102',
    ]);
    const events = org3.event.subscribeToEvents({});
    expect(await events.failed()).toMatchObject({ code: status.PERMISSION_DENIED });
    const inYourChannel = org3.as({ channel: 'yourchannel' });
    expect(Array.isArray((await inYourChannel.organization.getAllOrganizations({})).organizations)).toBe(true);
    org3.connection.close();
  });

  it("maps Fabric's own refusal to PERMISSION_DENIED (OE0102) when facade.env says nothing", async () => {
    const server = await facade({ ORCHESTRATOR_FABRIC_CHANNEL_ORGS: '' });
    const org3 = connect(server.address, { mspid: 'MyOrg3MSP', channel: 'mychannel' });
    expect(await failure(() => org3.organization.getAllOrganizations({}))).toEqual(['PERMISSION_DENIED', 'OE0102']);
    // A write: the gateway says "no endorsing peers", as for an outage; the facade finds out which it is.
    expect(await failure(() => org3.plan.registerPlan({ key: crypto.randomUUID(), name: 'p' }))).toEqual([
      'PERMISSION_DENIED',
      'OE0102',
    ]);
    const events = org3.event.subscribeToEvents({});
    expect(await events.failed()).toMatchObject({ code: status.PERMISSION_DENIED });
    org3.connection.close();
  });
});
