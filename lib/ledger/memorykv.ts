import { compareKeys, isCompositeKey, partialCompositeRange, type KV, type KVEntry } from './kv.js';
import { SortedMap } from './sortedmap.js';
import type { ReadsOwnWrites } from './store.js';

function checkValue(value: Uint8Array): Uint8Array {
  if (value.length === 0) throw new Error('empty values read back as absent on Fabric; refusing to store one');
  // Copy, so that a caller reusing its buffer cannot change what was stored.
  return value.slice();
}

function checkSimpleRange(startKey: string, endKey: string): string {
  for (const key of [startKey, endKey]) {
    if (isCompositeKey(key)) {
      // fabric-shim's validateSimpleKeys message, so misuse fails here as it would on a peer.
      throw new Error(`first character of the key [${key}] contains a null character which is not allowed`);
    }
  }
  // Fabric substitutes U+0001 for an empty start key, which keeps composite keys out of simple ranges.
  return startKey === '' ? '\u0001' : startKey;
}

function partialRange(objectType: string, attributes: string[], startKey?: string): [string, string] {
  const [prefix, end] = partialCompositeRange(objectType, attributes);
  return [startKey !== undefined && compareKeys(startKey, prefix) > 0 ? startKey : prefix, end];
}

function* entries(source: Iterable<[string, Uint8Array]>): Generator<KVEntry> {
  for (const [key, value] of source) yield { key, value };
}

/**
 * An in-memory world state with Fabric's semantics (key order, simple vs composite ranges, no empty values). Writes
 * made directly on it are visible at once, which is what service unit tests want from `new LedgerDB(new
 * MemoryKV())`; `transaction()` gives Fabric's stricter view (own writes invisible, all-or-nothing commit).
 */
export class MemoryKV implements KV, ReadsOwnWrites {
  /** Direct writes are visible at once, so LedgerDB needs no overlay over it (see store.ts). */
  readonly readsOwnWrites = true;
  private readonly store = new SortedMap<Uint8Array>();

  get size(): number {
    return this.store.size;
  }

  async getState(key: string): Promise<Uint8Array | undefined> {
    return this.store.get(key);
  }

  async putState(key: string, value: Uint8Array): Promise<void> {
    this.store.set(key, checkValue(value));
  }

  async deleteState(key: string): Promise<void> {
    this.store.delete(key);
  }

  async *getStateByRange(startKey: string, endKey: string): AsyncGenerator<KVEntry> {
    yield* entries(this.store.range(checkSimpleRange(startKey, endKey), endKey));
  }

  async *getStateByPartialCompositeKey(
    objectType: string,
    attributes: string[],
    startKey?: string,
  ): AsyncGenerator<KVEntry> {
    const [start, end] = partialRange(objectType, attributes, startKey);
    yield* entries(this.store.range(start, end));
  }

  /** Every entry in key order (for assertions and determinism checks). */
  entries(): KVEntry[] {
    return [...this.store.entries()].map(([key, value]) => ({ key, value }));
  }

  /** An independent copy of the current state. */
  snapshot(): MemoryKV {
    const copy = new MemoryKV();
    for (const [key, value] of this.store.entries()) copy.store.set(key, value);
    return copy;
  }

  /** A Fabric-like transaction over this store: see MemoryKVTransaction. */
  transaction(): MemoryKVTransaction {
    return new MemoryKVTransaction(this);
  }

  /** Applies a write set in order (used by MemoryKVTransaction.commit). */
  applyWrites(writes: readonly KVWrite[]): void {
    for (const w of writes) {
      if (w.value === undefined) this.store.delete(w.key);
      else this.store.set(w.key, w.value);
    }
  }
}

/** One write of a write set; `value` undefined = delete. */
interface KVWrite {
  key: string;
  value: Uint8Array | undefined;
}

/**
 * Buffers writes and applies them on commit(), like a Fabric transaction: reads see the committed store only (not
 * the pending writes, exactly as `stub.getState` behaves), so code running on it must bring its own read-your-writes
 * (LedgerDB does). No isolation between concurrent transactions: reads see whatever is committed when they run.
 */
export class MemoryKVTransaction implements KV {
  private readonly log: KVWrite[] = [];
  private state: 'open' | 'committed' | 'rolled back' = 'open';

  constructor(private readonly base: MemoryKV) {}

  async getState(key: string): Promise<Uint8Array | undefined> {
    this.checkOpen();
    return this.base.getState(key);
  }

  async putState(key: string, value: Uint8Array): Promise<void> {
    this.checkOpen();
    this.log.push({ key, value: checkValue(value) });
  }

  async deleteState(key: string): Promise<void> {
    this.checkOpen();
    this.log.push({ key, value: undefined });
  }

  async *getStateByRange(startKey: string, endKey: string): AsyncGenerator<KVEntry> {
    this.checkOpen();
    yield* this.base.getStateByRange(startKey, endKey);
  }

  async *getStateByPartialCompositeKey(
    objectType: string,
    attributes: string[],
    startKey?: string,
  ): AsyncGenerator<KVEntry> {
    this.checkOpen();
    yield* this.base.getStateByPartialCompositeKey(objectType, attributes, startKey);
  }

  /** Every write in the order it was made (Fabric keeps the last one per key). */
  writes(): readonly KVWrite[] {
    return this.log;
  }

  commit(): void {
    this.checkOpen();
    this.state = 'committed';
    this.base.applyWrites(this.log);
  }

  rollback(): void {
    this.checkOpen();
    this.state = 'rolled back';
    this.log.length = 0;
  }

  private checkOpen(): void {
    if (this.state !== 'open') throw new Error(`transaction already ${this.state}`);
  }
}
