import { compareKeys, hasHighCodeUnits } from './kv.js';

const MAX_CHUNK = 512;

/**
 * A map from string keys kept in the peer's key order (compareKeys). Values live in a Map (O(1) point reads); the
 * order lives in a list of sorted chunks of at most MAX_CHUNK keys, so an insert costs a binary search plus a
 * bounded splice instead of shifting one huge array (a 10,000-task plan writes ~100,000 keys).
 */
export class SortedMap<V> {
  private readonly values = new Map<string, V>();
  private chunks: string[][] = [];
  /**
   * While no key holds a code unit >= U+D800, native `<` is the peer's order and much faster than compareKeys; both
   * orders agree on such keys, so switching the comparator when the first one arrives keeps the chunks sorted.
   */
  private exotic = false;

  get size(): number {
    return this.values.size;
  }

  get(key: string): V | undefined {
    return this.values.get(key);
  }

  has(key: string): boolean {
    return this.values.has(key);
  }

  set(key: string, value: V): void {
    if (!this.values.has(key)) this.insertKey(key);
    this.values.set(key, value);
  }

  delete(key: string): boolean {
    if (!this.values.delete(key)) return false;
    const c = this.chunkFor(key);
    const chunk = this.chunks[c];
    if (chunk) {
      const i = this.indexIn(chunk, key);
      chunk.splice(i, 1);
      if (chunk.length === 0) this.chunks.splice(c, 1);
    }
    return true;
  }

  clear(): void {
    this.values.clear();
    this.chunks = [];
  }

  /**
   * Keys in [start, end) in order ("" end = unbounded). Safe against concurrent writes: it copies one chunk at a
   * time and re-seeks after the last key it handed out, so it sees keys added further on and skips deleted ones.
   */
  *range(start: string, end: string): Generator<[string, V]> {
    let from = start;
    let inclusive = true;
    for (;;) {
      const c = this.chunkFor(from);
      const chunk = this.chunks[c];
      if (!chunk) return;
      let i = this.indexIn(chunk, from);
      if (!inclusive && chunk[i] === from) i++;
      const slice = chunk.slice(i);
      if (slice.length === 0) {
        // `from` is past the end of this chunk: continue with the next one.
        const next = this.chunks[c + 1];
        if (!next?.[0]) return;
        from = next[0];
        inclusive = true;
        continue;
      }
      for (const key of slice) {
        if (end !== '' && this.cmp(key, end) >= 0) return;
        const value = this.values.get(key);
        if (value !== undefined) yield [key, value];
        from = key;
      }
      inclusive = false;
    }
  }

  /** Every entry in order. */
  *entries(): Generator<[string, V]> {
    yield* this.range('', '');
  }

  private cmp(a: string, b: string): number {
    if (this.exotic) return compareKeys(a, b);
    return a < b ? -1 : a > b ? 1 : 0;
  }

  /** The first chunk whose last key is >= key, else the last chunk (index 0 when there is none). */
  private chunkFor(key: string): number {
    let lo = 0;
    let hi = this.chunks.length - 1;
    if (hi < 0) return 0;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      const chunk = this.chunks[mid] as string[];
      if (this.cmp(chunk[chunk.length - 1] as string, key) < 0) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  /** Position of the first key >= key in chunk. */
  private indexIn(chunk: string[], key: string): number {
    let lo = 0;
    let hi = chunk.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (this.cmp(chunk[mid] as string, key) < 0) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  private insertKey(key: string): void {
    if (!this.exotic && hasHighCodeUnits(key)) this.exotic = true;
    if (this.chunks.length === 0) {
      this.chunks.push([key]);
      return;
    }
    const c = this.chunkFor(key);
    const chunk = this.chunks[c] as string[];
    chunk.splice(this.indexIn(chunk, key), 0, key);
    if (chunk.length > MAX_CHUNK) this.chunks.splice(c + 1, 0, chunk.splice(MAX_CHUNK >>> 1));
  }
}
