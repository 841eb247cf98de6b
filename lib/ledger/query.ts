import { PageFill, type Page, type PageRequest } from '../persistence/index.js';
import { ATTR_SEP, compareKeys, createCompositeKey, splitCompositeKey } from './kv.js';
import { encodeToken, type TokenKind } from './pagetoken.js';
import type { TxStore } from './store.js';

/** Element-wise key order of two sort tuples. */
export function compareSort(a: readonly string[], b: readonly string[]): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const order = compareKeys(a[i] as string, b[i] as string);
    if (order !== 0) return order;
  }
  return a.length - b.length;
}

/** An index entry: the attributes after the scanned prefix (sort columns, then what it points to). */
export interface IndexHit {
  attrs: string[];
  value: Uint8Array;
}

/**
 * Scans one index prefix in key order; with `after`, starts strictly after the entry whose attributes following
 * the prefix are `after` (the key is `prefix + after + U+0000`, so appending one more U+0000 gives its successor).
 * `from` starts at the first entry whose attributes are >= `from` (used for time bounds).
 */
export async function* scanIndex(
  store: TxStore,
  type: string,
  prefix: string[],
  bounds: { after?: readonly string[]; from?: readonly string[] } = {},
): AsyncGenerator<IndexHit> {
  let start: string | undefined;
  if (bounds.after) start = createCompositeKey(type, [...prefix, ...bounds.after]) + ATTR_SEP;
  if (bounds.from) {
    const from = createCompositeKey(type, [...prefix, ...bounds.from]);
    if (start === undefined || compareKeys(from, start) > 0) start = from;
  }
  for await (const { key, value } of store.scan(type, prefix, start)) {
    const split = splitCompositeKey(key);
    if (split) yield { attrs: split.attributes.slice(prefix.length), value };
  }
}

/**
 * Merges scans of several prefixes of one index whose remaining attributes share one order (the status
 * partitions of the task indexes), yielding hits in that order. Each partition is a separate range query.
 */
export async function* mergeIndex(
  store: TxStore,
  type: string,
  prefixes: string[][],
  after?: readonly string[],
): AsyncGenerator<IndexHit> {
  const iterators = prefixes.map((p) => scanIndex(store, type, p, after ? { after } : {}));
  const heads: (IndexHit | undefined)[] = [];
  try {
    for (const it of iterators) {
      const next = await it.next();
      heads.push(next.done ? undefined : next.value);
    }
    for (;;) {
      let best = -1;
      for (let i = 0; i < heads.length; i++) {
        const h = heads[i];
        if (h && (best < 0 || compareSort(h.attrs, (heads[best] as IndexHit).attrs) < 0)) best = i;
      }
      if (best < 0) return;
      yield heads[best] as IndexHit;
      const next = await (iterators[best] as AsyncGenerator<IndexHit>).next();
      heads[best] = next.done ? undefined : next.value;
    }
  } finally {
    await Promise.all(iterators.map((it) => it.return(undefined)));
  }
}

/** A list item before it is read: its sort tuple and how to load it. */
export interface Candidate<T> {
  sort: string[];
  load(): Promise<T | undefined>;
}

/**
 * Reads candidates in order and fills one page (PageFill: offset, size, byte budget), then looks one accepted item
 * further to know whether a next page exists (Substra returns a token only then). Cost: every candidate up to that
 * point is loaded, so a post-filter that rejects most candidates makes a page scan far more than `size` entries.
 */
export async function collectPage<T extends object>(
  candidates: AsyncIterable<Candidate<T>> | Iterable<Candidate<T>>,
  page: PageRequest,
  kind: TokenKind,
  accept: (item: T) => boolean = () => true,
): Promise<Page<T>> {
  const fill = new PageFill(page);
  const items: T[] = [];
  let last: string[] | undefined;
  for await (const c of candidates) {
    const item = await c.load();
    if (item === undefined || !accept(item) || fill.skips()) continue;
    if (fill.full || !fill.take(item)) return { items, nextToken: encodeToken(kind, last as string[]) };
    items.push(item);
    last = c.sort;
  }
  return { items, nextToken: '' };
}

/** In-memory paging for small candidate sets: sort, drop what is not strictly after the token. */
export function sortedAfter<T>(candidates: Candidate<T>[], after: readonly string[] | undefined): Candidate<T>[] {
  const sorted = [...candidates].sort((a, b) => compareSort(a.sort, b.sort));
  return after ? sorted.filter((c) => compareSort(c.sort, after) > 0) : sorted;
}

/** Loads every candidate, in order, dropping the absent ones. */
export async function loadAll<T>(candidates: AsyncIterable<Candidate<T>> | Iterable<Candidate<T>>): Promise<T[]> {
  const out: T[] = [];
  for await (const c of candidates) {
    const item = await c.load();
    if (item !== undefined) out.push(item);
  }
  return out;
}
