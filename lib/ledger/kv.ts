/**
 * The minimal key-value store LedgerDB needs. It is the subset of Fabric's `ChaincodeStub` world-state API that a
 * LevelDB-backed peer offers (no rich queries), so `StubKV` maps every call onto one allowed stub call and
 * `MemoryKV` reproduces the same semantics in memory.
 *
 * Facts from fabric-shim 2.5.8 (`lib/stub.js`) and the peer (`core/chaincode/handler.go`, statedb/stateleveldb)
 * that shaped it:
 * - `getState` does not see the transaction's own writes (LedgerDB keeps an overlay for that).
 * - `getStateByRange` rejects keys whose first character is U+0000 (the composite-key namespace), so composite keys
 *   can only be ranged over through `getStateByPartialCompositeKey`, which scans [prefix, prefix + U+10FFFF).
 * - A partial-composite scan cannot start in the middle of its prefix, except through the `...WithPagination` call,
 *   whose bookmark the peer uses verbatim as the start key. Paginated calls are refused in a transaction that
 *   writes, which is why seeking (`startKey` below) is reserved for read-only queries.
 * - Keys are ordered by their UTF-8 bytes (LevelDB), see `compareKeys`.
 * - An empty value reads back as "absent" through the stub, so values must never be empty.
 */

/** One entry of a range scan. */
export interface KVEntry {
  key: string;
  value: Uint8Array;
}

/**
 * The few world-state operations LedgerDB needs, shaped after Fabric's stub so that one LedgerDB runs on a peer
 * (StubKV), in the embedded mode (lib/embedded's LevelKV) and in tests (MemoryKV), under the rules above.
 */
export interface KV {
  /** The committed value, or undefined when absent. */
  getState(key: string): Promise<Uint8Array | undefined>;
  /** `value` must not be empty. */
  putState(key: string, value: Uint8Array): Promise<void>;
  deleteState(key: string): Promise<void>;
  /** Simple keys (not starting with U+0000) in [startKey, endKey), ascending; "" = unbounded, as in Fabric. */
  getStateByRange(startKey: string, endKey: string): AsyncIterable<KVEntry>;
  /**
   * Composite keys with the prefix `createCompositeKey(objectType, attributes)`, ascending. With `startKey` (a key
   * having that prefix) iteration begins at `startKey` inclusive; on Fabric that needs a paginated call, which the
   * peer only allows in a transaction that has not written and will not write (read-only queries).
   */
  getStateByPartialCompositeKey(objectType: string, attributes: string[], startKey?: string): AsyncIterable<KVEntry>;
}

/** The first character of every composite key: Fabric's composite-key namespace. */
const COMPOSITE_NS = '\u0000';
/** Separates the object type and attributes of a composite key (Fabric's MIN_UNICODE_RUNE_VALUE). */
export const ATTR_SEP = '\u0000';
/** Fabric ends a partial-composite range at prefix + MAX_UNICODE_RUNE_VALUE. */
const MAX_RUNE = '\u{10FFFF}';

function checkAttribute(attr: string): void {
  // Same rule as fabric-shim's validateCompositeKeyAttribute, so a key built here is one the stub would build.
  if (attr.length === 0) throw new Error('object type or attribute not a non-zero length string');
}

/** Fabric's encoding: U+0000 + objectType + U+0000 + each attribute + U+0000. */
export function createCompositeKey(objectType: string, attributes: readonly string[]): string {
  checkAttribute(objectType);
  let key = COMPOSITE_NS + objectType + ATTR_SEP;
  for (const attr of attributes) {
    checkAttribute(attr);
    key += attr + ATTR_SEP;
  }
  return key;
}

/** Inverse of createCompositeKey; undefined for a simple key. */
export function splitCompositeKey(key: string): { objectType: string; attributes: string[] } | undefined {
  if (key.length < 2 || key[0] !== COMPOSITE_NS) return undefined;
  const parts = key.slice(1).split(ATTR_SEP);
  parts.pop(); // the trailing separator leaves an empty last part
  const [objectType, ...attributes] = parts;
  return objectType === undefined ? undefined : { objectType, attributes };
}

/** Whether `key` lives in the composite-key namespace, which simple-key range scans never return. */
export function isCompositeKey(key: string): boolean {
  return key.startsWith(COMPOSITE_NS);
}

/** [start, end) of the keys Fabric's getStateByPartialCompositeKey(objectType, attributes) returns. */
export function partialCompositeRange(objectType: string, attributes: readonly string[]): [string, string] {
  const prefix = createCompositeKey(objectType, attributes);
  return [prefix, prefix + MAX_RUNE];
}

/**
 * The peer's key order: UTF-8 byte order, which is code point order. JavaScript's `<` compares UTF-16 code units,
 * which agrees except when the first difference puts a surrogate (part of a code point >= U+10000) against a unit
 * in U+E000..U+FFFF: UTF-16 sorts the surrogate first, UTF-8 last.
 */
export function compareKeys(a: string, b: string): number {
  if (a === b) return 0;
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const x = a.charCodeAt(i);
    const y = b.charCodeAt(i);
    if (x === y) continue;
    if (x >= 0xd800 && y >= 0xd800) {
      const xs = x < 0xe000;
      const ys = y < 0xe000;
      if (xs !== ys) return xs ? 1 : -1;
    }
    return x - y;
  }
  return a.length - b.length;
}

/** True when `key` holds a code unit for which `<` and compareKeys may disagree. */
export function hasHighCodeUnits(key: string): boolean {
  return /[\uD800-\uFFFF]/.test(key);
}
