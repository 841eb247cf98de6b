import { ComputePlanSchema, type ComputePlan } from '../asset/index.js';
import type { ComputePlanStore } from '../persistence/index.js';
import { byDate, validDateKey } from './bydate.js';
import { getDoc, putDoc, putIndex, requireAbsent, requireDoc, usable } from './docs.js';
import { Doc, Index, docKey, indexKey } from './keys.js';
import { decodeToken } from './pagetoken.js';
import { collectPage } from './query.js';
import { dateAttr } from './sortkey.js';
import type { TxStore } from './store.js';

async function readComputePlan(store: TxStore, key: string): Promise<ComputePlan | undefined> {
  if (!usable(key)) return undefined;
  return getDoc(store, ComputePlanSchema, docKey(Doc.computePlan, key));
}

export function computePlanStore(store: TxStore): ComputePlanStore {
  return {
    async addComputePlan(plan) {
      const key = docKey(Doc.computePlan, plan.key);
      await requireAbsent(store, key, 'compute plan', plan.key);
      await putDoc(store, ComputePlanSchema, key, plan);
      const date = dateAttr(plan.creationDate);
      await putIndex(store, indexKey(Index.plansByDate, date, plan.key));
      if (usable(plan.owner)) await putIndex(store, indexKey(Index.plansByOwner, plan.owner, date, plan.key));
    },

    getComputePlan: (key) => readComputePlan(store, key),

    async updateComputePlan(plan) {
      const key = docKey(Doc.computePlan, plan.key);
      const stored = await requireDoc(store, ComputePlanSchema, key, 'compute plan', plan.key);
      stored.name = plan.name;
      stored.cancelationDate = plan.cancelationDate;
      stored.failureDate = plan.failureDate;
      await putDoc(store, ComputePlanSchema, key, stored);
    },

    /** A range scan of the date index, or of the owner's slice of the owner index, resumed after the token. */
    async queryComputePlans(page, filter) {
      const after = decodeToken('date-key', page.token, validDateKey);
      const candidates = filter.owner
        ? byDate(store, Index.plansByOwner, after, readComputePlan, [filter.owner])
        : byDate(store, Index.plansByDate, after, readComputePlan);
      return collectPage(candidates, page, 'date-key');
    },
  };
}
