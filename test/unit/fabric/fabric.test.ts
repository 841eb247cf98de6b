import { status } from '@grpc/grpc-js';
import { CommitError, EndorseError, GatewayError } from '@hyperledger/fabric-gateway';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { eventsOfBlock } from '../../../facade/fabric/blockevents.js';
import { parseEnvFile } from '../../../facade/envfile.js';
import { loadFabricConfig } from '../../../facade/fabricenv.js';
import { fromFabricError } from '../../../facade/fabric/errors.js';
import { CHAINCODE_EVENT_NAME, encodeEventPayload } from '../../../lib/fabricevents/index.js';
import { EventKind, EventSchema, type Event } from '../../../lib/asset/index.js';
import { create } from '@bufbuild/protobuf';
import { common, peer } from '@hyperledger/fabric-protos';
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

describe('orchestrator events in a block', () => {
  // A block as the peer delivers it: envelopes of transactions, and the validation flags in the metadata.
  const transaction = (txId: string, chaincode: string, eventName: string, events: Event[]): Uint8Array => {
    const chaincodeEvent = new peer.ChaincodeEvent();
    chaincodeEvent.setChaincodeId(chaincode);
    chaincodeEvent.setTxId(txId);
    chaincodeEvent.setEventName(eventName);
    chaincodeEvent.setPayload(encodeEventPayload(events));
    const action = new peer.ChaincodeAction();
    action.setEvents(chaincodeEvent.serializeBinary());
    const response = new peer.ProposalResponsePayload();
    response.setExtension$(action.serializeBinary());
    const endorsed = new peer.ChaincodeEndorsedAction();
    endorsed.setProposalResponsePayload(response.serializeBinary());
    const actionPayload = new peer.ChaincodeActionPayload();
    actionPayload.setAction(endorsed);
    const txAction = new peer.TransactionAction();
    txAction.setPayload(actionPayload.serializeBinary());
    const tx = new peer.Transaction();
    tx.setActionsList([txAction]);
    const channelHeader = new common.ChannelHeader();
    channelHeader.setType(common.HeaderType.ENDORSER_TRANSACTION);
    channelHeader.setTxId(txId);
    const header = new common.Header();
    header.setChannelHeader(channelHeader.serializeBinary());
    const payload = new common.Payload();
    payload.setHeader(header);
    payload.setData(tx.serializeBinary());
    const envelope = new common.Envelope();
    envelope.setPayload(payload.serializeBinary());
    return envelope.serializeBinary();
  };
  const event = (id: string) =>
    create(EventSchema, { id, assetKey: id.slice(-4), eventKind: EventKind.EVENT_ASSET_CREATED });

  it('reads the events of valid orchestrator transactions, in block order, and nothing else', () => {
    const txs = [
      transaction(TX(1), 'orc', CHAINCODE_EVENT_NAME, [event(`${TX(1)}:000000`), event(`${TX(1)}:000001`)]),
      transaction(TX(2), 'orc', CHAINCODE_EVENT_NAME, [event(`${TX(2)}:000000`)]), // invalid: MVCC conflict
      transaction(TX(3), 'other', CHAINCODE_EVENT_NAME, [event(`${TX(3)}:000000`)]), // another chaincode
      transaction(TX(4), 'orc', 'something.else', [event(`${TX(4)}:000000`)]), // another event name
      transaction(TX(5), 'orc', CHAINCODE_EVENT_NAME, [event(`${TX(5)}:000000`)]),
    ];
    const data = new common.BlockData();
    data.setDataList(txs);
    const metadata = new common.BlockMetadata();
    const flags = new Uint8Array([0, 11, 0, 0, 0]); // 11 = MVCC_READ_CONFLICT
    metadata.setMetadataList([new Uint8Array(), new Uint8Array(), flags, new Uint8Array(), new Uint8Array()]);
    const block = new common.Block();
    block.setData(data);
    block.setMetadata(metadata);

    const events = eventsOfBlock(block, 'orc', 'mychannel');
    expect(events.map((e) => e.id)).toEqual([`${TX(1)}:000000`, `${TX(1)}:000001`, `${TX(5)}:000000`]);
    expect(events.every((e) => e.channel === 'mychannel')).toBe(true);
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
