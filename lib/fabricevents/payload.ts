// The payload of the one chaincode event a writing transaction sets: all of the transaction's events, encoded once.
import { create, fromBinary, toBinary } from '@bufbuild/protobuf';
import { BinaryReader, WireType } from '@bufbuild/protobuf/wire';
import { EventSchema, QueryEventsResponseSchema, type Event } from '../asset/index.js';
import { canonical } from '../ledger/canonical.js';

/**
 * The name of the one chaincode event a writing transaction sets. Fabric keeps only the last `setEvent` of a
 * transaction, so all the events of a transaction travel together under this name.
 */
export const CHAINCODE_EVENT_NAME = 'orchestrator.events';

/**
 * The chaincode event payload: `orchestrator.QueryEventsResponse` in protobuf binary with `events` in emission order
 * (and no page token). Reusing an existing message keeps the payload decodable by any Substra-compatible client
 * library; canonical() sorts map entries so that every endorser sets byte-identical payloads.
 */
export function encodeEventPayload(events: readonly Event[]): Uint8Array {
  return toBinary(
    QueryEventsResponseSchema,
    canonical(QueryEventsResponseSchema, create(QueryEventsResponseSchema, { events: [...events] })),
  );
}

/** All the events of a payload, decoded at once (see {@link eventsOfPayload} for one at a time). */
export function decodeEventPayload(payload: Uint8Array): Event[] {
  return fromBinary(QueryEventsResponseSchema, payload).events;
}

/** Field number of `events` in orchestrator.QueryEventsResponse. */
const EVENTS_FIELD = 1;

/**
 * The payload's events one at a time, each decoded only when asked for, and the first `skip` passed over undecoded
 * (a stream resuming inside a 1,000-event transaction). A reader that stops early, or a slow client, then never
 * holds a whole transaction's decoded events.
 */
export function* eventsOfPayload(payload: Uint8Array, skip = 0): Generator<Event> {
  const reader = new BinaryReader(payload);
  let index = 0;
  while (reader.pos < reader.len) {
    const [field, wireType] = reader.tag();
    if (field !== EVENTS_FIELD || wireType !== WireType.LengthDelimited) {
      reader.skip(wireType, field);
      continue;
    }
    const bytes = reader.bytes();
    if (index++ >= skip) yield fromBinary(EventSchema, bytes);
  }
}
