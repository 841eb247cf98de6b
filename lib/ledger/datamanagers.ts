import { DataManagerSchema, type DataManager } from '../asset/index.js';
import type { DataManagerStore } from '../persistence/index.js';
import { byDate, validDateKey } from './bydate.js';
import { getDoc, putDoc, putIndex, readEach, requireAbsent, requireDoc, usable } from './docs.js';
import { Doc, Index, docKey, indexKey } from './keys.js';
import { decodeToken } from './pagetoken.js';
import { collectPage } from './query.js';
import { dateAttr } from './sortkey.js';
import type { TxStore } from './store.js';

async function readDataManager(store: TxStore, key: string): Promise<DataManager | undefined> {
  if (!usable(key)) return undefined;
  return getDoc(store, DataManagerSchema, docKey(Doc.dataManager, key));
}

export function dataManagerStore(store: TxStore): DataManagerStore {
  return {
    async addDataManager(dm) {
      const key = docKey(Doc.dataManager, dm.key);
      await requireAbsent(store, key, 'data manager', dm.key);
      await putDoc(store, DataManagerSchema, key, dm);
      await putIndex(store, indexKey(Index.dataManagersByDate, dateAttr(dm.creationDate), dm.key));
    },

    getDataManager: (key) => readDataManager(store, key),

    getDataManagers: (keys) => readEach(keys, (key) => readDataManager(store, key)),

    async updateDataManager(dm) {
      const key = docKey(Doc.dataManager, dm.key);
      const stored = await requireDoc(store, DataManagerSchema, key, 'data manager', dm.key);
      stored.name = dm.name;
      await putDoc(store, DataManagerSchema, key, stored);
    },

    async queryDataManagers(page) {
      const after = decodeToken('date-key', page.token, validDateKey);
      return collectPage(byDate(store, Index.dataManagersByDate, after, readDataManager), page, 'date-key');
    },
  };
}
