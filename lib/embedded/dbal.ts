import type { Event, SortOrder } from '../asset/index.js';
import { LedgerDB } from '../ledger/index.js';
import type { EventFilter, Page, PageRequest } from '../persistence/index.js';
import { LevelKV } from './levelkv.js';
import { queryLogEvents } from './queryevents.js';
import type { LevelReader } from './reader.js';

/**
 * The DBAL of one embedded call: LedgerDB (the chaincode's documents, indexes and page tokens) over the channel's
 * world state in LevelDB, except for events, which live in the folder's ordered event log instead of LedgerDB's
 * timestamp-grouped world-state records: addEvents keeps them for the commit (store.ts gives them positions), and
 * queryEvents reads the log, so QueryEvents and SubscribeToEvents agree on one order.
 */
export class EmbeddedDBAL extends LedgerDB {
  /** Events added by the call, in emission order, waiting for the commit. */
  readonly pendingEvents: Event[] = [];

  constructor(
    private readonly reader: LevelReader,
    private readonly channelName: string,
    readonly kv: LevelKV = new LevelKV(reader, channelName),
  ) {
    // Deferred writes: nothing reaches the KV before flush(), which the store calls only once the call succeeded.
    super(kv, channelName, { deferWrites: true });
  }

  override async addEvents(list: Event[]): Promise<void> {
    this.pendingEvents.push(...list);
  }

  override queryEvents(page: PageRequest, filter: EventFilter, sort: SortOrder): Promise<Page<Event>> {
    return queryLogEvents(this.reader, this.channelName, page, filter, sort);
  }
}
