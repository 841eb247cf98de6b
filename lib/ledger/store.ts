import { compareKeys, partialCompositeRange, type KV, type KVEntry } from './kv.js';
import { SortedMap } from './sortedmap.js';

/** A KV that already shows a transaction its own writes (MemoryKV used directly), so no overlay is needed. */
export interface ReadsOwnWrites {
  readonly readsOwnWrites: true;
}

function readsOwnWrites(kv: KV): boolean {
  return (kv as Partial<ReadsOwnWrites>).readsOwnWrites === true;
}

/**
 * The transaction's view of the world state: writes go straight to the KV (so the Fabric write set is built in
 * call order and nothing needs flushing), and are also kept in an overlay that reads consult first, because
 * Fabric's getState and range queries only see committed state. Point reads are cached for the transaction, which
 * saves a peer round trip when services read the same asset twice (the read set is unchanged: Fabric records the
 * version of the first read).
 */
export class TxStore {
  /** Pending writes of this transaction; null marks a deletion. */
  private readonly overlay = new SortedMap<Uint8Array | null>();
  private readonly cache = new Map<string, Uint8Array | null>();
  private readonly direct: boolean;

  constructor(private readonly kv: KV) {
    this.direct = readsOwnWrites(kv);
  }

  async get(key: string): Promise<Uint8Array | undefined> {
    if (this.direct) return this.kv.getState(key);
    const pending = this.overlay.get(key);
    if (pending !== undefined) return pending ?? undefined;
    const cached = this.cache.get(key);
    if (cached !== undefined) return cached ?? undefined;
    const value = await this.kv.getState(key);
    this.cache.set(key, value ?? null);
    return value;
  }

  /** Whether this transaction itself wrote `key` (with a value), without asking the KV. */
  wrote(key: string): boolean {
    return !this.direct && Boolean(this.overlay.get(key));
  }

  async put(key: string, value: Uint8Array): Promise<void> {
    if (!this.direct) this.overlay.set(key, value);
    await this.kv.putState(key, value);
  }

  async del(key: string): Promise<void> {
    if (!this.direct) this.overlay.set(key, null);
    await this.kv.deleteState(key);
  }

  /**
   * The entries of a partial composite key in key order, starting at `startKey` (inclusive) when given, with this
   * transaction's writes merged in: its puts replace or add entries, its deletions hide them.
   */
  async *scan(objectType: string, attributes: string[], startKey?: string): AsyncGenerator<KVEntry> {
    const [prefix, end] = partialCompositeRange(objectType, attributes);
    const seek = startKey !== undefined && compareKeys(startKey, prefix) > 0 ? startKey : undefined;
    const base = this.kv.getStateByPartialCompositeKey(objectType, attributes, seek)[Symbol.asyncIterator]();
    // A copy of the overlay slice, so that writes made while the caller iterates cannot disturb the merge.
    const pending = this.direct ? [] : [...this.overlay.range(seek ?? prefix, end)];
    let i = 0;
    try {
      for (;;) {
        const next = await base.next();
        if (next.done) break;
        const { key } = next.value;
        for (; i < pending.length; i++) {
          const [pkey, pvalue] = pending[i] as [string, Uint8Array | null];
          const order = compareKeys(pkey, key);
          if (order > 0) break;
          if (pvalue) yield { key: pkey, value: pvalue };
          if (order === 0) break;
        }
        if (i < pending.length && (pending[i] as [string, unknown])[0] === key) {
          i++; // the overlay's version (already yielded, or a deletion) replaces the committed one
          continue;
        }
        yield next.value;
      }
      for (; i < pending.length; i++) {
        const [pkey, pvalue] = pending[i] as [string, Uint8Array | null];
        if (pvalue) yield { key: pkey, value: pvalue };
      }
    } finally {
      await base.return?.();
    }
  }
}
