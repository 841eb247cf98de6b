import { ModelSchema, type Model } from '../asset/index.js';
import type { ModelStore } from '../persistence/index.js';
import { getDoc, putDoc, putIndex, requireAbsent, requireDoc, usable } from './docs.js';
import { Doc, Index, docKey, indexKey } from './keys.js';
import { loadAll, scanIndex } from './query.js';
import { dateAttr } from './sortkey.js';
import type { TxStore } from './store.js';

async function readModel(store: TxStore, key: string): Promise<Model | undefined> {
  if (!usable(key)) return undefined;
  return getDoc(store, ModelSchema, docKey(Doc.model, key));
}

export function modelStore(store: TxStore): ModelStore {
  return {
    async addModel(model) {
      const key = docKey(Doc.model, model.key);
      await requireAbsent(store, key, 'model', model.key);
      await putDoc(store, ModelSchema, key, model);
      if (usable(model.computeTaskKey)) {
        const date = dateAttr(model.creationDate);
        await putIndex(store, indexKey(Index.modelsByTask, model.computeTaskKey, date, model.key));
      }
    },

    getModel: (key) => readModel(store, key),

    async getComputeTaskOutputModels(taskKey) {
      if (!usable(taskKey)) return [];
      const candidates = [];
      for await (const hit of scanIndex(store, Index.modelsByTask, [taskKey])) {
        const key = hit.attrs[1] as string;
        candidates.push({ sort: hit.attrs, load: () => readModel(store, key) });
      }
      return loadAll(candidates);
    },

    /** Persists the address only; an absent address (disabled model) is stored absent. */
    async updateModel(model) {
      const key = docKey(Doc.model, model.key);
      const stored = await requireDoc(store, ModelSchema, key, 'model', model.key);
      stored.address = model.address;
      await putDoc(store, ModelSchema, key, stored);
    },
  };
}
