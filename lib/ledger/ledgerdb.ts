import { composeSlices, type DBAL } from '../persistence/index.js';
import { dataManagerStore } from './datamanagers.js';
import { dataSampleStore } from './datasamples.js';
import { eventStore } from './events.js';
import { failureReportStore } from './failures.js';
import { functionStore } from './functions.js';
import type { KV } from './kv.js';
import { modelStore } from './models.js';
import { organizationStore } from './organizations.js';
import { outputAssetStore } from './outputs.js';
import { performanceStore } from './performances.js';
import { computePlanStore } from './plans.js';
import { TxStore } from './store.js';
import { computeTaskStore } from './tasks.js';

/** What the owner of a LedgerDB transaction controls beyond the DBAL: undo and the deferred writes (see TxStore). */
interface LedgerTransaction {
  /** A mark to roll back to; only meaningful with `deferWrites`. */
  savepoint(): number;
  /** Forgets every write made since `mark`. */
  rollback(mark: number): void;
  /** Sends the deferred writes to the KV; the caller must call it once the transaction's work succeeded. */
  flush(): Promise<void>;
}

/**
 * The DBAL over a key-value world state (Fabric's stub through StubKV, LevelDB through lib/embedded's LevelKV, or
 * MemoryKV in tests), with the control of its transaction.
 */
export type LedgerDB = DBAL & LedgerTransaction;

/**
 * Opens LedgerDB for one transaction of one channel: the KV is that channel's world state, and the returned object
 * keeps the transaction's read-your-writes overlay. Everything it writes is a pure function of the calls it receives
 * (no clock, no randomness, maps encoded in sorted order), so every endorsing peer produces the same write set.
 *
 * Composed of the per-asset slices (see DBAL): a backend that keeps one asset elsewhere composes its own slice after
 * the result, as lib/embedded does for events. Key and index layout: keys.ts. Encoding: codec.ts. Page tokens:
 * pagetoken.ts.
 *
 * @param options.deferWrites - see TxStore: nothing reaches the KV before `flush()`, and `rollback` can undo.
 */
export function ledgerDB(kv: KV, channel = '', options: { deferWrites?: boolean } = {}): LedgerDB {
  const store = new TxStore(kv, options);
  const transaction: LedgerTransaction = {
    savepoint: () => store.savepoint(),
    rollback: (mark) => store.rollback(mark),
    flush: () => store.flush(),
  };
  return composeSlices(
    organizationStore(store),
    functionStore(store),
    dataManagerStore(store),
    dataSampleStore(store),
    computePlanStore(store),
    computeTaskStore(store),
    outputAssetStore(store),
    modelStore(store),
    performanceStore(store),
    failureReportStore(store),
    eventStore(store, channel),
    transaction,
  );
}
