import { DataManagerSchema, type DataManager } from '../asset/index.js';
import type { Page, PageRequest } from '../persistence/index.js';
import { byDate, validDateKey } from './bydate.js';
import { getDoc, putDoc, putIndex, requireAbsent, requireDoc, usable } from './docs.js';
import { Doc, Index, docKey, indexKey } from './keys.js';
import { decodeToken } from './pagetoken.js';
import { collectPage } from './query.js';
import { dateAttr } from './sortkey.js';
import type { TxStore } from './store.js';

export async function addDataManager(store: TxStore, dm: DataManager): Promise<void> {
  const key = docKey(Doc.dataManager, dm.key);
  await requireAbsent(store, key, 'data manager', dm.key);
  await putDoc(store, DataManagerSchema, key, dm);
  await putIndex(store, indexKey(Index.dataManagersByDate, dateAttr(dm.creationDate), dm.key));
}

export async function getDataManager(store: TxStore, key: string): Promise<DataManager | undefined> {
  if (!usable(key)) return undefined;
  return getDoc(store, DataManagerSchema, docKey(Doc.dataManager, key));
}

export async function getDataManagers(store: TxStore, keys: string[]): Promise<DataManager[]> {
  const out: DataManager[] = [];
  for (const key of new Set(keys)) {
    const dm = await getDataManager(store, key);
    if (dm) out.push(dm);
  }
  return out;
}

export async function updateDataManager(store: TxStore, dm: DataManager): Promise<void> {
  const key = docKey(Doc.dataManager, dm.key);
  const stored = await requireDoc(store, DataManagerSchema, key, 'data manager', dm.key);
  stored.name = dm.name;
  await putDoc(store, DataManagerSchema, key, stored);
}

export async function queryDataManagers(store: TxStore, page: PageRequest): Promise<Page<DataManager>> {
  const after = decodeToken('date-key', page.token, validDateKey);
  return collectPage(byDate(store, Index.dataManagersByDate, after, getDataManager), page, 'date-key');
}
