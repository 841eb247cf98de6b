import type { Index } from './keys.js';
import { scanIndex, type Candidate } from './query.js';
import { isDateAttr } from './sortkey.js';
import type { TxStore } from './store.js';

/** Every ordered list keyed by (creation date, key) shares this token shape. */
export const validDateKey = (sort: string[]): boolean =>
  sort.length === 2 && isDateAttr(sort[0] as string) && (sort[1] as string).length > 0;

/** Candidates from a [date, key] index, in order, strictly after `after`. */
export async function* byDate<T>(
  store: TxStore,
  index: (typeof Index)[keyof typeof Index],
  after: string[] | undefined,
  load: (store: TxStore, key: string) => Promise<T | undefined>,
  prefix: string[] = [],
): AsyncGenerator<Candidate<T>> {
  for await (const hit of scanIndex(store, index, prefix, after ? { after } : {})) {
    const key = hit.attrs[1] as string;
    yield { sort: hit.attrs.slice(0, 2), load: () => load(store, key) };
  }
}
