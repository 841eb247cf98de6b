/**
 * The distributed facade and Fabric's channel membership: MyOrg3MSP is a member of yourchannel only. The facade takes
 * who may use which channel from the network (ORCHESTRATOR_FABRIC_CHANNEL_ORGS in facade.env) and refuses a
 * non-member itself with PERMISSION_DENIED (OE0102); a channel file that would let MyOrg3MSP on mychannel stops the
 * start. Without the membership in facade.env, Fabric's own refusal (mapped from the peer's words) gives the same
 * answer, never UNAVAILABLE, UNKNOWN or INTERNAL.
 */
import { status } from '@grpc/grpc-js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { connect, failureOf as failure } from '../support/client.js';
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

async function facade(
  env: Record<string, string | undefined> = {},
  channels?: Record<string, readonly string[]>,
): Promise<TestServer> {
  const server = await startServer({
    env: { ORCHESTRATOR_MODE: 'distributed', ...env },
    channels,
    startTimeoutMs: 120_000,
  });
  facades.push(server);
  return server;
}

beforeAll(async () => {
  await ensureFabricNetwork();
}, NETWORK_UP_TIMEOUT_MS);

afterAll(async () => {
  await Promise.all(facades.map((server) => server.stop()));
});

describe('MyOrg3MSP on mychannel, where Fabric does not let it', { timeout: TEST_TIMEOUT_MS }, () => {
  it('is refused by the facade itself (facade.env lists the members), and served on yourchannel', async () => {
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

  it('stops the start of a facade whose channel file lets it in: one line naming ORCHESTRATOR_CHANNEL_CONFIG', async () => {
    const started = facade({}, TOO_OPEN);
    await expect(started).rejects.toThrow(/exited \(1\) before listening/);
    const message = await started.catch((err: unknown) => (err instanceof Error ? err.message : String(err)));
    const stderr = String(message).split('stderr:\n')[1]?.trim().split('\n') ?? [];
    expect(stderr).toHaveLength(1);
    expect(stderr[0]).toMatch(/ORCHESTRATOR_CHANNEL_CONFIG: .*"MyOrg3MSP" is not a member of channel "mychannel"/);
  });

  it('is refused by Fabric, mapped to PERMISSION_DENIED (OE0102), when facade.env says nothing', async () => {
    // Without the membership every organization counts as a member of every channel, so the file is no conflict.
    const server = await facade({ ORCHESTRATOR_FABRIC_CHANNEL_ORGS: '' }, TOO_OPEN);
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
