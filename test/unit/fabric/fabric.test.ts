import { BinaryWriter } from '@bufbuild/protobuf/wire';
import { status } from '@grpc/grpc-js';
import { CommitError, EndorseError, GatewayError } from '@hyperledger/fabric-gateway';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { readHeaderNumber } from '../../../facade/fabric/blocks.js';
import { parseEnvFile } from '../../../facade/envfile.js';
import { loadFabricConfig } from '../../../facade/fabricenv.js';
import { fromFabricError } from '../../../facade/fabric/errors.js';
import { parseLedgerEventId } from '../../../lib/fabricevents/index.js';
import { ledgerEvents } from '../../../facade/fabric/subscribe.js';
import { FakeLedger } from './fakenetwork.js';

const TX = (n: number) => n.toString(16).padStart(64, '0');
const org = (msp: string) => ({
  [`ORCHESTRATOR_FABRIC_${msp}_PEER`]: '127.0.0.1:1',
  [`ORCHESTRATOR_FABRIC_${msp}_PEER_HOST`]: 'peer',
  [`ORCHESTRATOR_FABRIC_${msp}_TLS_CA`]: '/ca',
  [`ORCHESTRATOR_FABRIC_${msp}_CERT`]: '/cert',
  [`ORCHESTRATOR_FABRIC_${msp}_KEY`]: '/key',
});

describe('Fabric configuration', () => {
  it('reads organizations, channels and chaincode from the environment', () => {
    const config = loadFabricConfig({
      ORCHESTRATOR_FABRIC_ORGS: 'A, B',
      ORCHESTRATOR_FABRIC_CHANNELS: 'c1,c2',
      ORCHESTRATOR_FABRIC_CHAINCODE: 'cc',
      ...org('A'),
      ...org('B'),
    });
    expect(config.channels).toEqual(['c1', 'c2']);
    expect([...config.organizations.keys()]).toEqual(['A', 'B']);
    expect(config.organizations.get('B')).toMatchObject({ peerEndpoint: '127.0.0.1:1', keyPath: '/key' });
    // Unset: the gateway chooses the endorsers (one after the other).
    expect(config.endorsingOrganizations).toEqual([]);
  });

  it('reads the organizations that endorse every write in parallel', () => {
    const config = loadFabricConfig({
      ORCHESTRATOR_FABRIC_ORGS: 'A',
      ORCHESTRATOR_FABRIC_CHANNELS: 'c1',
      ORCHESTRATOR_FABRIC_CHAINCODE: 'cc',
      ORCHESTRATOR_FABRIC_ENDORSING_ORGS: 'A, C,',
      ...org('A'),
    });
    expect(config.endorsingOrganizations).toEqual(['A', 'C']);
  });

  it('falls back to the network facade.env file, the environment overriding it', () => {
    const file = join(mkdtempSync(join(tmpdir(), 'facade-env-')), 'facade.env');
    const lines = Object.entries({ ORCHESTRATOR_FABRIC_ORGS: 'A', ORCHESTRATOR_FABRIC_CHANNELS: 'c1', ...org('A') });
    writeFileSync(
      file,
      `# written by up\n${lines.map(([k, v]) => `${k}=${v}`).join('\n')}\nORCHESTRATOR_FABRIC_CHAINCODE="cc"\n`,
    );
    expect(parseEnvFile('export X=1\nY="2"\n# no\n')).toEqual({ X: '1', Y: '2' });
    const config = loadFabricConfig({ ORCHESTRATOR_FABRIC_CHANNELS: 'mine' }, file);
    expect(config.chaincode).toBe('cc');
    expect(config.channels).toEqual(['mine']);
  });

  it('names what is missing', () => {
    expect(() => loadFabricConfig({}, '/nonexistent/facade.env')).toThrow(/network:up/);
    expect(() =>
      loadFabricConfig({
        ORCHESTRATOR_FABRIC_ORGS: 'A',
        ORCHESTRATOR_FABRIC_CHANNELS: 'c',
        ORCHESTRATOR_FABRIC_CHAINCODE: 'cc',
      }),
    ).toThrow(/ORCHESTRATOR_FABRIC_A_PEER is not set/);
  });
});

describe('event ids on the ledger', () => {
  it('parses <tx id>:<index>', () => {
    expect(parseLedgerEventId(`${TX(7)}:000012`, 'c')).toEqual({ txId: TX(7), index: 12 });
  });

  it('answers like standalone mode for ids it cannot have issued', () => {
    expect(() => parseLedgerEventId('0b7d1c1e-9d6a-4f5e-8a3b-2f1e0c9d8b7a', 'c')).toThrow(/^OE0002/);
    expect(() => parseLedgerEventId('garbage', 'c')).toThrow(/^OE0101/);
    expect(() => parseLedgerEventId(`${TX(0xabc).toUpperCase()}:1`, 'c')).toThrow(/^OE0101/);
  });
});

describe('block header', () => {
  it('reads the number of a block from its header only', () => {
    const header = new BinaryWriter()
      .tag(1, 0)
      .uint64(4242n)
      .tag(2, 2)
      .bytes(new Uint8Array([1, 2]))
      .finish();
    const block = new BinaryWriter().tag(1, 2).bytes(header).tag(2, 2).bytes(new Uint8Array(300)).finish();
    expect(readHeaderNumber(block)).toBe(4242n);
    expect(() => readHeaderNumber(new BinaryWriter().tag(2, 2).bytes(new Uint8Array(1)).finish())).toThrow(/header/);
  });
});

describe('Fabric errors as OrcErrors', () => {
  const cause = Object.assign(new Error('grpc'), { code: status.ABORTED, details: '', metadata: undefined });
  it('finds the OE code in an endorser message', () => {
    const err = new EndorseError({
      code: status.ABORTED,
      cause: cause as never,
      transactionId: TX(1),
      details: [
        { address: 'peer', mspId: 'A', message: 'chaincode response 500, OE0002: computetask with key "k" not found' },
      ],
    });
    const mapped = fromFabricError(err);
    expect([mapped.kind, mapped.detail]).toEqual(['NotFound', 'computetask with key "k" not found']);
  });

  it('makes an unreachable chaincode UNAVAILABLE (not a disagreement worth retrying)', () => {
    const err = new EndorseError({
      code: status.ABORTED,
      cause: cause as never,
      transactionId: TX(3),
      details: [
        {
          address: 'peer',
          mspId: 'A',
          message:
            'error in simulation: could not launch chaincode orchestrator_1:abc: error creating grpc connection to ' +
            '127.0.0.1:17302: connection error: desc = "transport: error while dialing: connect: connection refused"',
        },
      ],
    });
    expect(fromFabricError(err).kind).toBe('Unavailable');
    // A peer that stops while it endorses closes the connection under the request.
    const closing = new EndorseError({
      code: status.ABORTED,
      cause: cause as never,
      transactionId: TX(4),
      details: [
        { address: 'peer', mspId: 'B', message: 'rpc error: code = Unavailable desc = error reading from server: EOF' },
      ],
    });
    expect(fromFabricError(closing).kind).toBe('Unavailable');
    const disagreement = new EndorseError({
      code: status.ABORTED,
      cause: cause as never,
      transactionId: TX(4),
      details: [],
      message: 'failed to collect enough transaction endorsements',
    });
    expect(fromFabricError(disagreement).kind).toBe('Internal');
  });

  it("makes a transaction over the orderer's size limit INVALID_ARGUMENT (OE0101), naming both sizes", () => {
    // fabric-gateway throws a SubmitError, a GatewayError whose class it exports as a type only.
    const err = new GatewayError({
      code: status.ABORTED,
      cause: cause as never,
      details: [],
      message:
        '10 ABORTED: received unsuccessful response from orderer: status=BAD_REQUEST, info=message payload is ' +
        '12703445 bytes and exceeds maximum allowed 10485760 bytes',
    });
    const mapped = fromFabricError(err);
    expect([mapped.kind, mapped.code]).toEqual(['InvalidAsset', 'OE0101']);
    expect(mapped.detail).toMatch(/12703445 bytes, over the orderer's limit of 10485760: send fewer items/);
  });

  it('makes transport failures UNAVAILABLE and the rest INTERNAL', () => {
    const down = new GatewayError({ code: status.UNAVAILABLE, details: [], cause: cause as never, message: 'no peer' });
    expect(fromFabricError(down).kind).toBe('Unavailable');
    expect(fromFabricError(new CommitError({ code: 11, transactionId: TX(2), message: 'mvcc' })).kind).toBe('Internal');
    expect(fromFabricError(new Error('OE0006: model with key "m" already exists')).kind).toBe('Conflict');
  });
});

describe('ledger events', () => {
  it('replays after a position (exclusive, within the transaction), then follows live commits', async () => {
    const ledger = new FakeLedger('mychannel');
    const [, second] = ledger.commit(TX(1), 3);
    ledger.commit(TX(2), 2);
    const stop = new AbortController();
    const seen: string[] = [];
    const reader = (async () => {
      const after = { block: 1n, txId: TX(1), index: 1 };
      for await (const { event } of ledgerEvents(ledger.network(), 'orchestrator', after, stop.signal)) {
        seen.push(event.id);
        expect(event.channel).toBe('mychannel');
        if (seen.length === 4) stop.abort();
      }
    })();
    await new Promise((r) => setTimeout(r, 10));
    ledger.commit(TX(3), 1, 'another-chaincode');
    ledger.commit(TX(4), 1);
    await reader;
    expect(second?.id).toBe(`${TX(1)}:000001`);
    expect(seen).toEqual([`${TX(1)}:000002`, `${TX(2)}:000000`, `${TX(2)}:000001`, `${TX(4)}:000000`]);
  });
});
