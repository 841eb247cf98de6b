import { FunctionSchema, type Function as OrcFunction } from '../asset/index.js';
import type { FunctionStore } from '../persistence/index.js';
import { getDoc, putDoc, putIndex, requireAbsent, requireDoc, usable } from './docs.js';
import { Doc, Index, docKey, indexKey } from './keys.js';
import { decodeToken } from './pagetoken.js';
import { byDate, validDateKey } from './bydate.js';
import { collectPage, scanIndex, sortedAfter, type Candidate } from './query.js';
import { dateAttr } from './sortkey.js';
import type { TxStore } from './store.js';

async function readFunction(store: TxStore, key: string): Promise<OrcFunction | undefined> {
  if (!usable(key)) return undefined;
  return getDoc(store, FunctionSchema, docKey(Doc.function, key));
}

export function functionStore(store: TxStore): FunctionStore {
  return {
    async addFunction(fn) {
      const key = docKey(Doc.function, fn.key);
      await requireAbsent(store, key, 'function', fn.key);
      await putDoc(store, FunctionSchema, key, fn);
      await putIndex(store, indexKey(Index.functionsByDate, dateAttr(fn.creationDate), fn.key));
    },

    getFunction: (key) => readFunction(store, key),

    async updateFunction(fn) {
      const key = docKey(Doc.function, fn.key);
      const stored = await requireDoc(store, FunctionSchema, key, 'function', fn.key);
      stored.name = fn.name;
      stored.status = fn.status;
      stored.image = fn.image;
      await putDoc(store, FunctionSchema, key, stored);
    },

    /**
     * Without filter: a range scan of the date index resumed after the token. With a plan: the plan's function keys
     * come from the fn~plan index (a plan uses few functions), are loaded, sorted and paged in memory.
     */
    async queryFunctions(page, filter) {
      const after = decodeToken('date-key', page.token, validDateKey);
      if (filter.computePlanKey) {
        if (!usable(filter.computePlanKey)) return { items: [], nextToken: '' };
        const candidates: Candidate<OrcFunction>[] = [];
        for await (const hit of scanIndex(store, Index.functionsByPlan, [filter.computePlanKey])) {
          const fn = await readFunction(store, hit.attrs[0] as string);
          if (fn) candidates.push({ sort: [dateAttr(fn.creationDate), fn.key], load: () => Promise.resolve(fn) });
        }
        return collectPage(sortedAfter(candidates, after), page, 'date-key');
      }
      return collectPage(byDate(store, Index.functionsByDate, after, readFunction), page, 'date-key');
    },
  };
}
