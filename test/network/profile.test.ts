/**
 * A facade configured from the connection profile that `network/up.sh` writes, and nothing else: no facade.env, no
 * ORCHESTRATOR_FABRIC_* variable, an environment of PATH and HOME only (as an operator on another machine would run
 * it). Every member of a channel is served there, and refused where it is no member.
 */
import { status } from '@grpc/grpc-js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connect, failureOf as failure, RpcError } from '../support/client.js';
import { CONNECTION_PROFILE_PATH, ensureFabricNetwork } from '../support/fabric-network.js';
import { startServer, type TestServer } from '../support/server.js';

const NETWORK_UP_TIMEOUT_MS = 30 * 60_000;

/** The network's membership (network/lib/common.sh, CHANNEL_ORGS), which the facade must learn from the profile. */
const MEMBERS: Record<string, readonly string[]> = {
  mychannel: ['MyOrg1MSP', 'MyOrg2MSP'],
  yourchannel: ['MyOrg1MSP', 'MyOrg2MSP', 'MyOrg3MSP'],
};

let facade: TestServer | undefined;

beforeAll(async () => {
  await ensureFabricNetwork();
  facade = await startServer({
    asReadme: true,
    env: { ORCHESTRATOR_MODE: 'distributed', ORCHESTRATOR_FABRIC_CONNECTION_PROFILE: CONNECTION_PROFILE_PATH },
    startTimeoutMs: 120_000,
  });
}, NETWORK_UP_TIMEOUT_MS);

afterAll(async () => {
  await facade?.stop();
});

describe('a facade configured from the connection profile alone', { timeout: 120_000 }, () => {
  it("serves the profile's channels", () => {
    expect(facade?.listening).toMatchObject({ storage: 'fabric', channels: Object.keys(MEMBERS) });
  });

  for (const [channel, members] of Object.entries(MEMBERS)) {
    for (const mspid of members) {
      it(`serves ${mspid} on ${channel}: a write, then a read that sees it`, async () => {
        const client = connect(facade?.address ?? '', { mspid, channel });
        try {
          await client.organization.registerOrganization({ address: '' }).catch((err: unknown) => {
            if (!(err instanceof RpcError && err.code === status.ALREADY_EXISTS)) throw err;
          });
          const key = crypto.randomUUID();
          await client.plan.registerPlan({ key, name: `profile ${mspid}` });
          expect(await client.plan.getPlan({ key })).toMatchObject({ key, owner: mspid });
        } finally {
          client.connection.close();
        }
      });
    }
  }

  it('refuses MyOrg3MSP on mychannel, of which the profile says it is no member (PERMISSION_DENIED, OE0102)', async () => {
    const client = connect(facade?.address ?? '', { mspid: 'MyOrg3MSP', channel: 'mychannel' });
    try {
      expect(await failure(() => client.organization.getAllOrganizations({}))).toEqual(['PERMISSION_DENIED', 'OE0102']);
    } finally {
      client.connection.close();
    }
  });
});
