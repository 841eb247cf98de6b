import type { Event } from '../asset/index.js';
import { ledgerDB, type LedgerDB } from '../ledger/index.js';
import { composeSlices, type EventStore } from '../persistence/index.js';
import { LevelKV } from './levelkv.js';
import { queryLogEvents } from './queryevents.js';
import type { LevelReader } from './reader.js';

/** LedgerDB of one embedded call, plus what the store commits once the call succeeded. */
export type EmbeddedDBAL = LedgerDB & {
  /** The call's world-state writes, collected for the commit batch. */
  readonly kv: LevelKV;
  /** Events added by the call, in emission order, waiting for the commit (store.ts gives them positions). */
  readonly pendingEvents: Event[];
};

/**
 * The DBAL of one embedded call: LedgerDB (the chaincode's documents, indexes and page tokens) over the channel's
 * world state in LevelDB, except for events, which live in the folder's ordered event log instead of LedgerDB's
 * timestamp-grouped world-state records: its event slice replaces LedgerDB's, so that QueryEvents and
 * SubscribeToEvents agree on one order.
 */
export function embeddedDBAL(reader: LevelReader, channel: string): EmbeddedDBAL {
  const kv = new LevelKV(reader, channel);
  const pendingEvents: Event[] = [];
  return composeSlices(
    // Deferred writes: nothing reaches the KV before flush(), which the store calls only once the call succeeded.
    ledgerDB(kv, channel, { deferWrites: true }),
    eventLogStore(reader, channel, pendingEvents),
    { kv, pendingEvents },
  );
}

function eventLogStore(reader: LevelReader, channel: string, pending: Event[]): EventStore {
  return {
    async addEvents(events) {
      pending.push(...events);
    },
    queryEvents: (page, filter, sort) => queryLogEvents(reader, channel, page, filter, sort),
  };
}
