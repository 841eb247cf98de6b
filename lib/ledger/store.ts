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
 * The transaction's view of the world state. Writes are kept in an overlay that reads consult first, because
 * Fabric's getState and range queries only see committed state. Point reads are cached for the transaction, which
 * saves a peer round trip when services read the same asset twice (the read set is unchanged: Fabric records the
 * version of the first read).
 *
 * By default writes also go straight to the KV, so the Fabric write set is built in call order and nothing needs
 * flushing. With `deferWrites` they stay in the overlay until flush(), and a savepoint can undo everything written
 * after it: a batch transaction runs several calls and keeps only the writes of those that succeeded.
 */
export class TxStore {
  /** Pending writes of this transaction; null marks a deletion. */
  private readonly overlay = new SortedMap<Uint8Array | null>();
  private readonly cache = new Map<string, Uint8Array | null>();
  private readonly direct: boolean;
  /** With deferred writes: each write's key and the overlay value it replaced (undefined: none), for rollback. */
  private readonly journal: [string, Uint8Array | null | undefined][] | undefined;

  constructor(
    private readonly kv: KV,
    options: { deferWrites?: boolean } = {},
  ) {
    this.direct = readsOwnWrites(kv);
    if (options.deferWrites) {
      if (this.direct) throw new Error('deferred writes need a KV that does not show its own writes');
      this.journal = [];
    }
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
    if (this.journal) {
      // The KV would refuse it at flush time, where the failing call could no longer be told apart.
      if (value.length === 0) throw new Error('empty values read back as absent; refusing to store one');
      return this.defer(key, value);
    }
    if (!this.direct) this.overlay.set(key, value);
    await this.kv.putState(key, value);
  }

  async del(key: string): Promise<void> {
    if (this.journal) return this.defer(key, null);
    if (!this.direct) this.overlay.set(key, null);
    await this.kv.deleteState(key);
  }

  private defer(key: string, value: Uint8Array | null): void {
    this.journal?.push([key, this.overlay.get(key)]);
    this.overlay.set(key, value);
  }

  /** A mark to roll back to (deferred writes only). */
  savepoint(): number {
    if (!this.journal) throw new Error('savepoints need deferred writes');
    return this.journal.length;
  }

  /** Undoes every write made after `mark`, newest first, so a key written twice gets its first old value back. */
  rollback(mark: number): void {
    const journal = this.journal;
    if (!journal) throw new Error('savepoints need deferred writes');
    while (journal.length > mark) {
      const [key, previous] = journal.pop() as [string, Uint8Array | null | undefined];
      if (previous === undefined) this.overlay.delete(key);
      else this.overlay.set(key, previous);
    }
  }

  /** Sends the deferred writes to the KV, in key order (the peer sorts the write set anyway). */
  async flush(): Promise<void> {
    if (!this.journal) return;
    for (const [key, value] of this.overlay.entries()) {
      if (value) await this.kv.putState(key, value);
      else await this.kv.deleteState(key);
    }
    this.journal.length = 0;
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
