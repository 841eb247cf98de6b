import { compareKeys, isCompositeKey, partialCompositeRange, type KV, type KVEntry } from '../ledger/index.js';
import { Keys } from './keys.js';
import type { LevelReader } from './reader.js';

/** One write of a LevelDB batch. */
export type LevelWrite = { type: 'put'; key: string; value: Uint8Array } | { type: 'del'; key: string };

/** Fabric substitutes U+0001 for an empty start key, which keeps composite keys out of simple ranges. */
const SIMPLE_START = '\u0001';

/**
 * One channel's world state in the folder's LevelDB, with Fabric's semantics (see lib/ledger/kv.ts): reads see the
 * committed state only, never this transaction's writes, which LedgerDB's overlay (deferred writes) supplies.
 * Writes are not applied: they are collected into `writes`, which the caller commits in ONE batch together with the
 * events (lib/embedded/store.ts), so a call's changes exist all together or not at all.
 *
 * Key order is LevelDB's byte order over UTF-8, which is `compareKeys`: no re-sorting is needed.
 */
export class LevelKV implements KV {
  /** Writes in the order they were made (TxStore.flush makes them in key order, one per key). */
  readonly writes: LevelWrite[] = [];
  private readonly prefix: string;

  constructor(
    private readonly reader: LevelReader,
    channel: string,
  ) {
    this.prefix = Keys.worldState(channel);
  }

  getState(key: string): Promise<Uint8Array | undefined> {
    return this.reader.get(this.prefix + key);
  }

  async putState(key: string, value: Uint8Array): Promise<void> {
    if (value.length === 0) throw new Error('empty values read back as absent on Fabric; refusing to store one');
    this.writes.push({ type: 'put', key: this.prefix + key, value: value.slice() });
  }

  async deleteState(key: string): Promise<void> {
    this.writes.push({ type: 'del', key: this.prefix + key });
  }

  getStateByRange(startKey: string, endKey: string): AsyncIterable<KVEntry> {
    for (const key of [startKey, endKey]) {
      if (isCompositeKey(key)) {
        throw new Error(`first character of the key [${key}] contains a null character which is not allowed`);
      }
    }
    const end = endKey === '' ? this.prefix.slice(0, -1) + '\u0001' : this.prefix + endKey;
    return this.entries(this.prefix + (startKey === '' ? SIMPLE_START : startKey), end);
  }

  getStateByPartialCompositeKey(objectType: string, attributes: string[], startKey?: string): AsyncIterable<KVEntry> {
    const [prefix, end] = partialCompositeRange(objectType, attributes);
    const start = startKey !== undefined && compareKeys(startKey, prefix) > 0 ? startKey : prefix;
    return this.entries(this.prefix + start, this.prefix + end);
  }

  private async *entries(gte: string, lt: string): AsyncGenerator<KVEntry> {
    const strip = this.prefix.length;
    for await (const [key, value] of this.reader.range({ gte, lt })) yield { key: key.slice(strip), value };
  }
}
