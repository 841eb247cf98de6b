// Event ids in distributed mode: `<fabric tx id>:<index>`, made by the chaincode and read back by the facade.
import type { Event } from '../asset/index.js';
import { eventIdKind } from '../asset/validation/index.js';
import { OrcError } from '../errors/index.js';

/**
 * Digits of the index part of an event id. Zero-padding keeps ids of one transaction in emission order when sorted as
 * strings (QueryEvents sorts by timestamp, then id, and all events of a transaction share the timestamp). Six
 * digits are never exceeded in practice: a million events (~300 MB) would not fit in a peer message (100 MB); beyond
 * that the id is still unique, only its string order stops matching emission order.
 */
const INDEX_DIGITS = 6;

/** Where an event sits in its Fabric transaction: the transaction's id and the event's index in emission order. */
export interface LedgerEventId {
  /** The Fabric transaction id (64 lower-case hex digits). */
  txId: string;
  /** The event's position among the transaction's events, from 0. */
  index: number;
}

/**
 * `<tx id>:<index>`: the same on every endorsing peer (no random part, unlike Substra's `<tx id>:<uuid>`), and the
 * facade can find where the event sits on the ledger from the part before the last ':' (the tx id).
 *
 * @param txId - the Fabric transaction id
 * @param index - the event's position among the transaction's events
 * @returns the event id
 */
export function eventId(txId: string, index: number): string {
  return `${txId}:${String(index).padStart(INDEX_DIGITS, '0')}`;
}

/**
 * Gives the events of one transaction their ids and channel, in emission order. In place: the events are the
 * transaction's own (emitEvent builds each one, with a snapshot of its asset), and copying a 1,000-task batch's
 * events costs more than 100 ms.
 *
 * @returns `events`, now with ids and channel
 */
export function assignEventIds(events: Event[], txId: string, channel: string): Event[] {
  events.forEach((event, index) => {
    event.id = eventId(txId, index);
    event.channel = channel;
  });
  return events;
}

/**
 * Reads an event id back. Answers like standalone mode does for ids it cannot have issued, so a client cannot tell
 * the modes apart: a UUID (a standalone event id) is well-formed but absent here; anything else is judged by
 * eventIdKind, which every mode shares.
 *
 * @throws {@link OrcError} `NotFound` for a UUID, `InvalidAsset` for anything else that is not `<tx id>:<index>`
 */
export function parseLedgerEventId(id: string, channel: string): LedgerEventId {
  if (eventIdKind(id) === 'uuid') {
    throw new OrcError('NotFound', `event with key "${id}" not found in channel "${channel}"`);
  }
  const separator = id.lastIndexOf(':');
  return { txId: id.slice(0, separator), index: Number(id.slice(separator + 1)) };
}
