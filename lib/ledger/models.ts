import { ModelSchema, type Model } from '../asset/index.js';
import { getDoc, putDoc, putIndex, requireAbsent, requireDoc, usable } from './docs.js';
import { Doc, Index, docKey, indexKey } from './keys.js';
import { loadAll, scanIndex } from './query.js';
import { dateAttr } from './sortkey.js';
import type { TxStore } from './store.js';

export async function addModel(store: TxStore, model: Model): Promise<void> {
  const key = docKey(Doc.model, model.key);
  await requireAbsent(store, key, 'model', model.key);
  await putDoc(store, ModelSchema, key, model);
  if (usable(model.computeTaskKey)) {
    await putIndex(store, indexKey(Index.modelsByTask, model.computeTaskKey, dateAttr(model.creationDate), model.key));
  }
}

export async function getModel(store: TxStore, key: string): Promise<Model | undefined> {
  if (!usable(key)) return undefined;
  return getDoc(store, ModelSchema, docKey(Doc.model, key));
}

export async function getComputeTaskOutputModels(store: TxStore, taskKey: string): Promise<Model[]> {
  if (!usable(taskKey)) return [];
  const candidates = [];
  for await (const hit of scanIndex(store, Index.modelsByTask, [taskKey])) {
    const key = hit.attrs[1] as string;
    candidates.push({ sort: hit.attrs, load: () => getModel(store, key) });
  }
  return loadAll(candidates);
}

/** Persists the address only; an absent address (disabled model) is stored absent. */
export async function updateModel(store: TxStore, model: Model): Promise<void> {
  const key = docKey(Doc.model, model.key);
  const stored = await requireDoc(store, ModelSchema, key, 'model', model.key);
  stored.address = model.address;
  await putDoc(store, ModelSchema, key, stored);
}
