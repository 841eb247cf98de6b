import type { ChaincodeStub, Iterators } from 'fabric-shim';
import type { KV, KVEntry } from './kv.js';

/**
 * Entries per paginated call when seeking. A paginated call ships its whole page at once (a plain range query
 * streams batches of 100 on demand), and a reader usually needs one page of a list, possibly from several merged
 * scans: start small and double, up to the cap.
 */
const SEEK_FIRST_PAGE = 100;
const SEEK_MAX_PAGE = 1600;

/** The part of fabric-shim's ChaincodeStub that StubKV calls (a structural type, so tests can fake it). */
export type KVStub = Pick<
  ChaincodeStub,
  | 'getState'
  | 'putState'
  | 'deleteState'
  | 'getStateByRange'
  | 'getStateByPartialCompositeKey'
  | 'getStateByPartialCompositeKeyWithPagination'
>;

/**
 * Drains a stub iterator, closing it in every case: the raw iterator (unlike the shim's for-await wrapper) does not
 * close itself when exhausted, and closing an iterator the peer already dropped is harmless.
 */
async function* drain(iterator: Iterators.StateQueryIterator): AsyncGenerator<KVEntry> {
  try {
    for (;;) {
      const next = await iterator.next();
      if (next.done) return;
      yield { key: next.value.key, value: next.value.value };
    }
  } finally {
    await iterator.close();
  }
}

/** The KV interface over a fabric-shim 2.5.8 ChaincodeStub: one stub call per KV call. */
export class StubKV implements KV {
  constructor(private readonly stub: KVStub) {}

  async getState(key: string): Promise<Uint8Array | undefined> {
    const value = await this.stub.getState(key);
    // The shim answers an absent key with an empty buffer.
    return value.length === 0 ? undefined : value;
  }

  putState(key: string, value: Uint8Array): Promise<void> {
    if (value.length === 0) return Promise.reject(new Error('empty values read back as absent; refusing to store one'));
    return this.stub.putState(key, value);
  }

  deleteState(key: string): Promise<void> {
    return this.stub.deleteState(key);
  }

  async *getStateByRange(startKey: string, endKey: string): AsyncGenerator<KVEntry> {
    yield* drain(await this.stub.getStateByRange(startKey, endKey));
  }

  async *getStateByPartialCompositeKey(
    objectType: string,
    attributes: string[],
    startKey?: string,
  ): AsyncGenerator<KVEntry> {
    if (startKey === undefined) {
      // Allowed in every transaction, and recorded for phantom-read validation at commit.
      yield* drain(await this.stub.getStateByPartialCompositeKey(objectType, attributes));
      return;
    }
    // Seeking: the peer takes a non-empty bookmark verbatim as the start key of the range (HandleGetStateByRange).
    // The page's own metadata (next bookmark, count) is not relied upon: the shim only exposes it when the peer sent
    // the whole page in its first response batch, which larger pages do not fit. Counting here and resuming strictly
    // after the last key returned gives the same ranges whatever the peer's batch size.
    // Read-only transactions only: the peer refuses paginated queries in a transaction that writes.
    let start = startKey;
    for (let size = SEEK_FIRST_PAGE; ; size = Math.min(size * 2, SEEK_MAX_PAGE)) {
      const page = await this.stub.getStateByPartialCompositeKeyWithPagination(objectType, attributes, size, start);
      let count = 0;
      let last: string | undefined;
      for await (const entry of drain(page.iterator)) {
        count++;
        last = entry.key;
        yield entry;
      }
      if (count < size || last === undefined) return;
      start = `${last}\u0000`;
    }
  }
}
