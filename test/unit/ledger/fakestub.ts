// A ChaincodeStub stand-in with a peer's world-state semantics, for StubKV: reads see the committed state only
// (never the transaction's own writes), writes collect in a write set, partial-composite scans cover
// [prefix, prefix + U+10FFFF), and paginated scans take the bookmark as their start key and hand back the next key.
import type { Iterators, StateQueryResponse } from 'fabric-shim';
import type { KVEntry } from '../../../lib/ledger/kv.js';
import type { MemoryKV } from '../../../lib/ledger/memorykv.js';
import type { KVStub } from '../../../lib/ledger/stubkv.js';

/** Results per response message of a peer's range query (Fabric's chaincode handler batches them by 100). */
const PEER_BATCH = 100;

type StubScan<T> = Promise<T> & AsyncIterable<Iterators.KV>;

function stubIterator(entries: KVEntry[], onClose: () => void): Iterators.StateQueryIterator {
  let i = 0;
  return {
    next: () => {
      const e = entries[i++];
      return Promise.resolve(
        e
          ? { value: { namespace: 'orchestrator', key: e.key, value: e.value }, done: false }
          : { value: undefined as unknown as Iterators.KV, done: true },
      );
    },
    close: () => {
      onClose();
      return Promise.resolve();
    },
  };
}

/** The shim's promise-that-is-also-iterable shape; the async-iterable side is unused by StubKV. */
function scan<T>(value: Promise<T>): StubScan<T> {
  return Object.assign(value, {
    [Symbol.asyncIterator]: (): AsyncIterator<Iterators.KV> => {
      throw new Error('StubKV uses the promise side of stub iterators');
    },
  });
}

async function collect(source: AsyncIterable<KVEntry>, limit = Infinity): Promise<KVEntry[]> {
  const out: KVEntry[] = [];
  for await (const e of source) {
    if (out.length >= limit) break;
    out.push(e);
  }
  return out;
}

export class FakeStub implements KVStub {
  readonly writes = new Map<string, Uint8Array | undefined>();
  /** Stub methods called, in order. */
  readonly calls: string[] = [];
  openIterators = 0;

  constructor(private readonly committed: MemoryKV) {}

  getState(key: string): Promise<Uint8Array> {
    this.calls.push('getState');
    return this.committed.getState(key).then((v) => v ?? new Uint8Array(0));
  }

  putState(key: string, value: Uint8Array): Promise<void> {
    this.calls.push('putState');
    this.writes.set(key, value);
    return Promise.resolve();
  }

  deleteState(key: string): Promise<void> {
    this.calls.push('deleteState');
    this.writes.set(key, undefined);
    return Promise.resolve();
  }

  getStateByRange(startKey: string, endKey: string): StubScan<Iterators.StateQueryIterator> {
    this.calls.push('getStateByRange');
    return scan(collect(this.committed.getStateByRange(startKey, endKey)).then((e) => this.open(e)));
  }

  getStateByPartialCompositeKey(objectType: string, attributes: string[]): StubScan<Iterators.StateQueryIterator> {
    this.calls.push('getStateByPartialCompositeKey');
    return scan(
      collect(this.committed.getStateByPartialCompositeKey(objectType, attributes)).then((e) => this.open(e)),
    );
  }

  getStateByPartialCompositeKeyWithPagination(
    objectType: string,
    attributes: string[],
    pageSize: number,
    bookmark = '',
  ): StubScan<StateQueryResponse<Iterators.StateQueryIterator>> {
    this.calls.push('getStateByPartialCompositeKeyWithPagination');
    const source = this.committed.getStateByPartialCompositeKey(objectType, attributes, bookmark || undefined);
    return scan(
      collect(source, pageSize + 1).then((entries) => {
        const page = entries.slice(0, pageSize);
        const metadata = { fetchedRecordsCount: page.length, bookmark: entries[pageSize]?.key ?? '' };
        // Like fabric-shim over a real peer: the metadata only comes with a page the peer sent in one response batch
        // (PEER_BATCH results); a larger page arrives in several batches and the shim exposes no metadata at all.
        if (page.length <= PEER_BATCH) return { iterator: this.open(page), metadata };
        // fabric-shim's typings declare the metadata as always present; at runtime it is not.
        return { iterator: this.open(page) } as unknown as StateQueryResponse<Iterators.StateQueryIterator>;
      }),
    );
  }

  /** Applies the write set to the committed state, as a valid transaction's commit does. */
  commit(): void {
    this.committed.applyWrites([...this.writes].map(([key, value]) => ({ key, value })));
    this.writes.clear();
  }

  private open(entries: KVEntry[]): Iterators.StateQueryIterator {
    this.openIterators++;
    return stubIterator(entries, () => this.openIterators--);
  }
}
