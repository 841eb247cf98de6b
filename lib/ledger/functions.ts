import { FunctionSchema, type Function as OrcFunction } from '../asset/index.js';
import type { FunctionFilter, Page, PageRequest } from '../persistence/index.js';
import { getDoc, putDoc, putIndex, requireAbsent, requireDoc, usable } from './docs.js';
import { Doc, Index, docKey, indexKey } from './keys.js';
import { decodeToken } from './pagetoken.js';
import { byDate, validDateKey } from './bydate.js';
import { collectPage, scanIndex, sortedAfter, type Candidate } from './query.js';
import { dateAttr } from './sortkey.js';
import type { TxStore } from './store.js';

export async function addFunction(store: TxStore, fn: OrcFunction): Promise<void> {
  const key = docKey(Doc.function, fn.key);
  await requireAbsent(store, key, 'function', fn.key);
  await putDoc(store, FunctionSchema, key, fn);
  await putIndex(store, indexKey(Index.functionsByDate, dateAttr(fn.creationDate), fn.key));
}

export async function getFunction(store: TxStore, key: string): Promise<OrcFunction | undefined> {
  if (!usable(key)) return undefined;
  return getDoc(store, FunctionSchema, docKey(Doc.function, key));
}

export async function updateFunction(store: TxStore, fn: OrcFunction): Promise<void> {
  const key = docKey(Doc.function, fn.key);
  const stored = await requireDoc(store, FunctionSchema, key, 'function', fn.key);
  stored.name = fn.name;
  stored.status = fn.status;
  stored.image = fn.image;
  await putDoc(store, FunctionSchema, key, stored);
}

/**
 * Without filter: a range scan of the date index resumed after the token. With a plan: the plan's function keys
 * come from the fn~plan index (a plan uses few functions), are loaded, sorted and paged in memory.
 */
export async function queryFunctions(
  store: TxStore,
  page: PageRequest,
  filter: FunctionFilter,
): Promise<Page<OrcFunction>> {
  const after = decodeToken('date-key', page.token, validDateKey);
  if (filter.computePlanKey) {
    if (!usable(filter.computePlanKey)) return { items: [], nextToken: '' };
    const candidates: Candidate<OrcFunction>[] = [];
    for await (const hit of scanIndex(store, Index.functionsByPlan, [filter.computePlanKey])) {
      const fn = await getFunction(store, hit.attrs[0] as string);
      if (fn) candidates.push({ sort: [dateAttr(fn.creationDate), fn.key], load: () => Promise.resolve(fn) });
    }
    return collectPage(sortedAfter(candidates, after), page, 'date-key');
  }
  return collectPage(byDate(store, Index.functionsByDate, after, getFunction), page, 'date-key');
}
