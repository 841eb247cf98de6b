import { ComputePlanSchema, type ComputePlan } from '../asset/index.js';
import type { Page, PageRequest, PlanFilter } from '../persistence/index.js';
import { byDate, validDateKey } from './bydate.js';
import { getDoc, putDoc, putIndex, requireAbsent, requireDoc, usable } from './docs.js';
import { Doc, Index, docKey, indexKey } from './keys.js';
import { decodeToken } from './pagetoken.js';
import { collectPage } from './query.js';
import { dateAttr } from './sortkey.js';
import type { TxStore } from './store.js';

export async function addComputePlan(store: TxStore, plan: ComputePlan): Promise<void> {
  const key = docKey(Doc.computePlan, plan.key);
  await requireAbsent(store, key, 'compute plan', plan.key);
  await putDoc(store, ComputePlanSchema, key, plan);
  const date = dateAttr(plan.creationDate);
  await putIndex(store, indexKey(Index.plansByDate, date, plan.key));
  if (usable(plan.owner)) await putIndex(store, indexKey(Index.plansByOwner, plan.owner, date, plan.key));
}

export async function getComputePlan(store: TxStore, key: string): Promise<ComputePlan | undefined> {
  if (!usable(key)) return undefined;
  return getDoc(store, ComputePlanSchema, docKey(Doc.computePlan, key));
}

export async function updateComputePlan(store: TxStore, plan: ComputePlan): Promise<void> {
  const key = docKey(Doc.computePlan, plan.key);
  const stored = await requireDoc(store, ComputePlanSchema, key, 'compute plan', plan.key);
  stored.name = plan.name;
  stored.cancelationDate = plan.cancelationDate;
  stored.failureDate = plan.failureDate;
  await putDoc(store, ComputePlanSchema, key, stored);
}

/** A range scan of the date index, or of the owner's slice of the owner index, resumed after the token. */
export async function queryComputePlans(
  store: TxStore,
  page: PageRequest,
  filter: PlanFilter,
): Promise<Page<ComputePlan>> {
  const after = decodeToken('date-key', page.token, validDateKey);
  const candidates = filter.owner
    ? byDate(store, Index.plansByOwner, after, getComputePlan, [filter.owner])
    : byDate(store, Index.plansByDate, after, getComputePlan);
  return collectPage(candidates, page, 'date-key');
}
