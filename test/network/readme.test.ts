/**
 * The README's distributed path, followed to the letter on the real network: `npm run network:up`, then
 * `ORCHESTRATOR_MODE=distributed npm start` with nothing else set (the facade reads network/.state/facade.env). Every
 * organization of the network must then be served on the channels it is a member of — MyOrg3MSP on yourchannel
 * too, which the two-organization default channel list used to refuse (OE0102) — and refused on the others.
 * Only the listening address differs from the README (a free port instead of 9000, which a developer's own
 * orchestrator may hold).
 *
 * The same file also holds what up.sh writes to facade.env to the other reader it promises: a shell sourcing it.
 */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { status } from '@grpc/grpc-js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { parseEnvFile } from '../../facade/envfile.js';
import { connect, failureOf as failure, RpcError } from '../support/client.js';
import { ensureFabricNetwork, FACADE_ENV_PATH } from '../support/fabric-network.js';
import { startServer, type TestServer } from '../support/server.js';

const NETWORK_UP_TIMEOUT_MS = 30 * 60_000;
const TEST_TIMEOUT_MS = 120_000;

/** The network's membership (network/lib/common.sh, CHANNEL_ORGS). */
const MEMBERS: Record<string, readonly string[]> = {
  mychannel: ['MyOrg1MSP', 'MyOrg2MSP'],
  yourchannel: ['MyOrg1MSP', 'MyOrg2MSP', 'MyOrg3MSP'],
};

let facade: TestServer | undefined;

beforeAll(async () => {
  await ensureFabricNetwork();
  facade = await startServer({ asReadme: true, env: { ORCHESTRATOR_MODE: 'distributed' }, startTimeoutMs: 120_000 });
}, NETWORK_UP_TIMEOUT_MS);

afterAll(async () => {
  await facade?.stop();
});

describe('ORCHESTRATOR_MODE=distributed npm start after npm run network:up', { timeout: TEST_TIMEOUT_MS }, () => {
  it("serves the network's channels, not the default list", () => {
    expect(facade?.listening).toMatchObject({ storage: 'fabric', channels: Object.keys(MEMBERS) });
  });

  for (const [channel, members] of Object.entries(MEMBERS)) {
    for (const mspid of members) {
      it(`serves ${mspid} on ${channel}: writes, then a read that sees them`, async () => {
        const client = connect(facade?.address ?? '', { mspid, channel });
        try {
          // An organization registers itself once per channel (an earlier run on the same ledger may have done it).
          await client.organization.registerOrganization({ address: '' }).catch((err: unknown) => {
            if (!(err instanceof RpcError && err.code === status.ALREADY_EXISTS)) throw err;
          });
          const key = crypto.randomUUID();
          await client.plan.registerPlan({ key, name: `readme ${mspid}` });
          expect(await client.plan.getPlan({ key })).toMatchObject({ key, owner: mspid });
        } finally {
          client.connection.close();
        }
      });
    }
  }

  it('refuses MyOrg3MSP on mychannel, of which it is no member (PERMISSION_DENIED, OE0102)', async () => {
    const client = connect(facade?.address ?? '', { mspid: 'MyOrg3MSP', channel: 'mychannel' });
    try {
      expect(await failure(() => client.organization.getAllOrganizations({}))).toEqual(['PERMISSION_DENIED', 'OE0102']);
    } finally {
      client.connection.close();
    }
  });
});

describe('network/.state/facade.env', () => {
  it('is sourced by a shell to the values the facade reads', () => {
    const parsed = parseEnvFile(readFileSync(FACADE_ENV_PATH, 'utf8'));
    const names = Object.keys(parsed);
    expect(names).toContain('ORCHESTRATOR_FABRIC_CHANNEL_ORGS');
    const script = `set -a; . "$1"; for n in ${names.join(' ')}; do eval "printf '%s\\0' \\"\\$$n\\""; done`;
    const out = execFileSync('bash', ['-c', script, 'bash', FACADE_ENV_PATH], {
      env: { PATH: process.env.PATH },
      encoding: 'utf8',
    });
    const sourced = Object.fromEntries(names.map((name, i) => [name, out.split('\0')[i]]));
    expect(sourced).toEqual(parsed);
    expect(sourced.ORCHESTRATOR_FABRIC_CHANNEL_ORGS).toBe(
      Object.entries(MEMBERS)
        .map(([channel, members]) => `${channel}:${members.join(',')}`)
        .join(';'),
    );
  });
});
