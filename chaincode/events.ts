import { create, fromBinary, toBinary } from '@bufbuild/protobuf';
import { BinaryReader, WireType } from '@bufbuild/protobuf/wire';
import { EventSchema, QueryEventsResponseSchema, type Event } from '../lib/asset/index.js';
import { canonical } from '../lib/ledger/canonical.js';

/**
 * The name of the one chaincode event a writing transaction sets. Fabric keeps only the last `setEvent` of a
 * transaction, so all the events of a transaction travel together under this name.
 */
export const CHAINCODE_EVENT_NAME = 'orchestrator.events';

/**
 * Digits of the index part of an event id. Zero-padding keeps ids of one transaction in emission order when sorted as
 * strings (QueryEvents sorts by timestamp, then id, and all events of a transaction share the timestamp). Six
 * digits are never exceeded in practice: a million events (~300 MB) would not fit in a peer message (100 MB); beyond that the id is
 * still unique, only its string order stops matching emission order.
 */
const INDEX_DIGITS = 6;

/**
 * `<tx id>:<index>`: the same on every endorsing peer (no random part, unlike Substra's `<tx id>:<uuid>`), and the
 * facade can find where the event sits on the ledger from the part before the last ':' (the tx id).
 */
export function eventId(txId: string, index: number): string {
  return `${txId}:${String(index).padStart(INDEX_DIGITS, '0')}`;
}

/**
 * Gives the events of one transaction their ids and channel, in emission order. In place: the events are the
 * transaction's own (emitEvent builds each one, with a snapshot of its asset), and copying a 1,000-task batch's
 * events costs more than 100 ms.
 */
export function assignEventIds(events: Event[], txId: string, channel: string): Event[] {
  events.forEach((event, index) => {
    event.id = eventId(txId, index);
    event.channel = channel;
  });
  return events;
}

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
