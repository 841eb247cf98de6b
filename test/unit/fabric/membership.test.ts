// Channel membership in distributed mode: which organizations of the facade are on which Fabric channel
// (ORCHESTRATOR_FABRIC_CHANNEL_ORGS), what the backend does with it, and how Fabric's own refusals of a non-member
// reach clients. The refusal texts are what the test network's peers answered for MyOrg3MSP on mychannel.
import { status } from '@grpc/grpc-js';
import { EndorseError, GatewayError } from '@hyperledger/fabric-gateway';
import { generateKeyPairSync } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { isOrcError, type OrcError } from '../../../lib/errors/index.js';
import { FabricBackend } from '../../../facade/fabric/backend.js';
import { endorsersOn, membersOf, type FabricConfig } from '../../../facade/fabric/config.js';
import { loadFabricConfig, parseChannelOrgs } from '../../../facade/fabricenv.js';
import { fromFabricError } from '../../../facade/fabric/errors.js';

const org = (msp: string, dir = '/none') => ({
  [`ORCHESTRATOR_FABRIC_${msp}_PEER`]: '127.0.0.1:1',
  [`ORCHESTRATOR_FABRIC_${msp}_PEER_HOST`]: 'peer',
  [`ORCHESTRATOR_FABRIC_${msp}_TLS_CA`]: join(dir, 'ca.pem'),
  [`ORCHESTRATOR_FABRIC_${msp}_CERT`]: join(dir, 'cert.pem'),
  [`ORCHESTRATOR_FABRIC_${msp}_KEY`]: join(dir, 'key.pem'),
});

/** Three organizations, C on channel "two" only, as network/up.sh writes it for MyOrg3MSP. */
function threeOrgs(extra: Record<string, string> = {}, dir?: string): FabricConfig {
  return loadFabricConfig({
    ORCHESTRATOR_FABRIC_ORGS: 'A,B,C',
    ORCHESTRATOR_FABRIC_CHANNELS: 'one,two',
    ORCHESTRATOR_FABRIC_CHAINCODE: 'cc',
    ORCHESTRATOR_FABRIC_ENDORSING_ORGS: 'A,B',
    ORCHESTRATOR_FABRIC_CHANNEL_ORGS: 'one:A,B;two:A,B,C',
    ...org('A', dir),
    ...org('B', dir),
    ...org('C', dir),
    ...extra,
  });
}

describe('ORCHESTRATOR_FABRIC_CHANNEL_ORGS', () => {
  it('parses "<channel>:<mspid>,...;..." with channel names that no variable name could hold', () => {
    expect(parseChannelOrgs(' my.channel-1 : A, B ;your_channel:C;')).toEqual(
      new Map([
        ['my.channel-1', ['A', 'B']],
        ['your_channel', ['C']],
      ]),
    );
  });

  it('refuses an entry without members, without a channel or listed twice', () => {
    expect(() => parseChannelOrgs('one')).toThrow(/expected "<channel>:<mspid>/);
    expect(() => parseChannelOrgs('one:')).toThrow(/got "one:"/);
    expect(() => parseChannelOrgs(':A')).toThrow(/got ":A"/);
    expect(() => parseChannelOrgs('one:A;one:B')).toThrow(/listed twice/);
  });

  it('gives each served channel its members; the facade asks and listens through members only', () => {
    const config = threeOrgs();
    expect(config.channelMembers).toEqual(
      new Map([
        ['one', ['A', 'B']],
        ['two', ['A', 'B', 'C']],
      ]),
    );
    expect(membersOf(config, 'one')).toEqual(['A', 'B']);
    expect(membersOf(config, 'two')).toEqual(['A', 'B', 'C']);
  });

  it('endorses on the configured organizations that are members of the channel', () => {
    const config = threeOrgs({ ORCHESTRATOR_FABRIC_ENDORSING_ORGS: 'A,C' });
    expect(endorsersOn(config, 'one')).toEqual(['A']);
    expect(endorsersOn(config, 'two')).toEqual(['A', 'C']);
  });

  it('without it, every organization is on every channel (as before the variable existed)', () => {
    const config = threeOrgs({ ORCHESTRATOR_FABRIC_CHANNEL_ORGS: '' });
    expect(membersOf(config, 'one')).toEqual(['A', 'B', 'C']);
    expect(endorsersOn(config, 'one')).toEqual(['A', 'B']);
  });

  it('must describe every served channel, each with a member the facade can sign as', () => {
    expect(() => threeOrgs({ ORCHESTRATOR_FABRIC_CHANNELS: 'one,three' })).toThrow(/does not list channel "three"/);
    expect(() => threeOrgs({ ORCHESTRATOR_FABRIC_CHANNEL_ORGS: 'one:A,B;two:X' })).toThrow(
      /channel "two": the facade holds no identity for any of its members \(X\)/,
    );
    // Members the facade holds no identity for are fine: it just does not ask their peers.
    expect(membersOf(threeOrgs({ ORCHESTRATOR_FABRIC_CHANNEL_ORGS: 'one:A,X;two:C' }), 'one')).toEqual(['A']);
  });
});

describe('a caller outside the channel', () => {
  it('is refused by the backend with OE0102 before any peer is asked', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'fabric-members-'));
    const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
    writeFileSync(join(dir, 'key.pem'), privateKey.export({ format: 'pem', type: 'pkcs8' }));
    writeFileSync(join(dir, 'cert.pem'), 'not read by this test');
    writeFileSync(join(dir, 'ca.pem'), 'not read by this test');
    const backend = await FabricBackend.open({
      config: threeOrgs({}, dir),
      retryBudgetMs: 1000,
      eventIndexDir: join(dir, 'events'),
      replayEventsBatchSize: 100,
      batching: { maxEndorsing: 8, maxCalls: 64, maxBytes: 1 << 20 },
      logger: pino({ level: 'silent' }),
    });
    try {
      const refusal = await backend.network({ mspid: 'C', channel: 'one' }).catch((err: unknown) => err);
      expect(isOrcError(refusal) && [refusal.kind, refusal.detail]).toEqual([
        'PermissionDenied',
        'organization "C" is not a member of Fabric channel "one"',
      ]);
      expect((await backend.network({ mspid: 'C', channel: 'two' })).getName()).toBe('two');
      expect((await backend.network({ mspid: 'A', channel: 'one' })).getName()).toBe('one');
    } finally {
      await backend.close();
    }
  });

  const cause = Object.assign(new Error('grpc'), { code: status.UNKNOWN, details: '', metadata: undefined });
  const refused = (err: unknown): [string, string] => {
    const mapped: OrcError = fromFabricError(err);
    return [mapped.kind, mapped.message.slice(0, 6)];
  };

  it("is PERMISSION_DENIED (OE0102) when Fabric refuses it, through its own peer or another member's", () => {
    // Through its own peer, which has not joined the channel: evaluate, then the event service.
    const evaluate = new GatewayError({
      code: status.UNAVAILABLE,
      details: [],
      cause: cause as never,
      message:
        '14 UNAVAILABLE: failed to get config for channel [mychannel]: could not get last config for channel mychannel',
    });
    expect(refused(evaluate)).toEqual(['PermissionDenied', 'OE0102']);
    const events = new GatewayError({
      code: status.PERMISSION_DENIED,
      details: [],
      cause: cause as never,
      message: '7 PERMISSION_DENIED: Failed to get policy manager for channel [mychannel]',
    });
    expect(refused(events)).toEqual(['PermissionDenied', 'OE0102']);
    // Through a member's peer: the proposal's creator is checked against the channel's organizations.
    const denied =
      'error validating proposal: access denied: channel [mychannel] creator org unknown, creator is malformed';
    const proposal = new EndorseError({
      code: status.ABORTED,
      cause: cause as never,
      transactionId: '0'.repeat(64),
      message: '10 ABORTED: failed to collect enough transaction endorsements, see attached details for more info',
      details: [
        { address: '127.0.0.1:17151', mspId: 'MyOrg1MSP', message: denied },
        { address: '127.0.0.1:17251', mspId: 'MyOrg2MSP', message: `rpc error: code = Unknown desc = ${denied}` },
      ],
    });
    expect(refused(proposal)).toEqual(['PermissionDenied', 'OE0102']);
    const readers = new GatewayError({
      code: status.PERMISSION_DENIED,
      details: [],
      cause: cause as never,
      message:
        '7 PERMISSION_DENIED: Failed evaluating policy on signed data during check policy on channel [mychannel] with ' +
        'policy [/Channel/Application/Readers]: [implicit policy evaluation failed - 0 sub-policies were satisfied]',
    });
    expect(refused(readers)).toEqual(['PermissionDenied', 'OE0102']);
  });

  it('leaves a missing endorser UNAVAILABLE: it is what a stopped peer looks like too', () => {
    const down = new EndorseError({
      code: status.UNAVAILABLE,
      cause: cause as never,
      transactionId: '0'.repeat(64),
      details: [],
      message: '14 UNAVAILABLE: failed to find any endorsing peers for org(s): MyOrg2MSP',
    });
    expect(refused(down)).toEqual(['Unavailable', 'OE0007']);
  });
});
