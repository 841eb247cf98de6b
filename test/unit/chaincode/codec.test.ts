// The chaincode's wire pieces in isolation: the serializer fabric-shim uses for arguments and results, and the
// chaincode event payload.
import { create } from '@bufbuild/protobuf';
import { describe, expect, it } from 'vitest';
import { AssetKind, EventKind, EventSchema, QueryEventsResponseSchema } from '../../../lib/asset/index.js';
import { OpaqueBytes, ProtobufSerializer, protobufSchema } from '../../../chaincode/codec.js';
import {
  assignEventIds,
  decodeEventPayload,
  encodeEventPayload,
  eventId,
  eventsOfPayload,
} from '../../../lib/fabricevents/index.js';

/** The shape DataMarshall hands to fromBuffer. */
const parameter = (schema: object): object => ({ properties: { prop: schema }, components: { schemas: {} } });

describe('ProtobufSerializer', () => {
  const serializer = new ProtobufSerializer();
  const bytes = new Uint8Array([0x0a, 0x96, 0x01, 0xff, 0x00]);

  it('returns Uint8Array results as they are', () => {
    expect([...serializer.toBuffer(bytes, {})]).toEqual([...bytes]);
    expect([...serializer.toBuffer(bytes.subarray(1, 3), {})]).toEqual([0x96, 0x01]);
  });

  it('hands protobuf parameters over as the raw bytes', () => {
    const { value } = serializer.fromBuffer(
      Buffer.from(bytes),
      parameter(protobufSchema(QueryEventsResponseSchema)),
    ) as { value: Uint8Array };
    expect([...value]).toEqual([...bytes]);
  });

  it('gives the bytes cheap string forms (fabric-shim stringifies arguments and results in debug messages)', () => {
    const { value } = serializer.fromBuffer(
      Buffer.alloc(500_000),
      parameter(protobufSchema(QueryEventsResponseSchema)),
    ) as {
      value: Uint8Array;
    };
    expect(value).toBeInstanceOf(OpaqueBytes);
    expect(`${[value]}`).toBe('<500000 bytes>');
    expect(JSON.stringify(OpaqueBytes.view(bytes))).toBe('"<5 bytes>"');
  });

  it('keeps JSONSerializer behaviour for other values (the system contract)', () => {
    expect(serializer.toBuffer({ b: 1, a: [true] }, {}).toString()).toBe('{"b":1,"a":[true]}');
    expect(serializer.toBuffer('text', {}).toString()).toBe('text');
    expect(serializer.toBuffer(undefined, {})).toBeUndefined();
    const { value } = serializer.fromBuffer(Buffer.from('héllo'), parameter({ type: 'string' })) as { value: string };
    expect(value).toBe('héllo');
  });
});

describe('chaincode event payload', () => {
  const base = {
    assetKey: 'k',
    assetKind: AssetKind.ASSET_COMPUTE_TASK,
    eventKind: EventKind.EVENT_ASSET_UPDATED,
    timestamp: { seconds: 1_704_067_200n, nanos: 123_456_000 },
  };

  it('gives events `<tx id>:<zero-padded index>` ids and the channel, in emission order', () => {
    const events = assignEventIds(
      [create(EventSchema, { ...base, assetKey: 'a' }), create(EventSchema, { ...base, assetKey: 'b' })],
      'abc',
      'mychannel',
    );
    expect(events.map((e) => [e.id, e.channel, e.assetKey])).toEqual([
      ['abc:000000', 'mychannel', 'a'],
      ['abc:000001', 'mychannel', 'b'],
    ]);
    expect(eventId('abc', 10) > eventId('abc', 9)).toBe(true);
  });

  it('is a QueryEventsResponse that round-trips', () => {
    const events = assignEventIds([create(EventSchema, { ...base, metadata: { reason: 'r' } })], 'tx', 'ch');
    const payload = encodeEventPayload(events);
    expect(decodeEventPayload(payload)).toEqual(events);
  });

  it('yields its events one by one, from any index, equal to the whole decode', () => {
    const events = assignEventIds(
      Array.from({ length: 5 }, (_, i) => create(EventSchema, { ...base, assetKey: `a${i}`, metadata: { i: `${i}` } })),
      'tx',
      'ch',
    );
    const payload = encodeEventPayload(events);
    const whole = decodeEventPayload(payload);
    expect([...eventsOfPayload(payload)]).toEqual(whole);
    expect([...eventsOfPayload(payload, 3)]).toEqual(whole.slice(3));
    expect([...eventsOfPayload(payload, 9)]).toEqual([]);
    expect([...eventsOfPayload(new Uint8Array(0))]).toEqual([]);
  });

  it('does not depend on the insertion order of map entries', () => {
    const one = create(EventSchema, { ...base, id: 'x', metadata: { b: '2', a: '1' } });
    const two = create(EventSchema, { ...base, id: 'x', metadata: { a: '1', b: '2' } });
    expect(Buffer.from(encodeEventPayload([one])).equals(Buffer.from(encodeEventPayload([two])))).toBe(true);
  });
});
