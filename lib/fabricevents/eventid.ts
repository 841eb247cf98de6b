// Event ids in distributed mode: `<fabric tx id>:<index>`, made by the chaincode; the facade's event index
// (facade/fabric/eventindex.ts) stores them as they are and finds a stream's start id by exact match.
import type { Event } from '../asset/index.js';

/**
 * Digits of the index part of an event id. Zero-padding keeps ids of one transaction in emission order when sorted as
 * strings (LedgerDB's world-state records sort by timestamp, then id, and a transaction's events share the timestamp). Six
 * digits are never exceeded in practice: a million events (~300 MB) would not fit in a peer message (100 MB); beyond
 * that the id is still unique, only its string order stops matching emission order.
 */
const INDEX_DIGITS = 6;

/**
 * `<tx id>:<index>`: the same on every endorsing peer (no random part, unlike Substra's `<tx id>:<uuid>`), so all
 * endorsements of a transaction agree byte for byte.
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
