import { DataSampleSchema, type DataSample } from '../asset/index.js';
import type { DataSampleStore } from '../persistence/index.js';
import { byDate, validDateKey } from './bydate.js';
import { getDoc, putDoc, putIndex, readEach, requireAbsent, requireDoc, usable } from './docs.js';
import { Doc, Index, docKey, indexKey } from './keys.js';
import { decodeToken } from './pagetoken.js';
import { collectPage, scanIndex, sortedAfter, type Candidate } from './query.js';
import { dateAttr } from './sortkey.js';
import type { TxStore } from './store.js';

function managerIndexKey(managerKey: string, sample: DataSample): string {
  return indexKey(Index.dataSamplesByManager, managerKey, dateAttr(sample.creationDate), sample.key);
}

/** Distinct usable manager keys, in the order given. */
function managers(sample: DataSample): string[] {
  return [...new Set(sample.dataManagerKeys.filter(usable))];
}

async function readDataSample(store: TxStore, key: string): Promise<DataSample | undefined> {
  if (!usable(key)) return undefined;
  return getDoc(store, DataSampleSchema, docKey(Doc.dataSample, key));
}

function readDataSamples(store: TxStore, keys: string[]): Promise<DataSample[]> {
  return readEach(keys, (key) => readDataSample(store, key));
}

export function dataSampleStore(store: TxStore): DataSampleStore {
  return {
    async addDataSamples(samples) {
      for (const sample of samples) {
        const key = docKey(Doc.dataSample, sample.key);
        await requireAbsent(store, key, 'data sample', sample.key);
        await putDoc(store, DataSampleSchema, key, sample);
        await putIndex(store, indexKey(Index.dataSamplesByDate, dateAttr(sample.creationDate), sample.key));
        for (const dm of managers(sample)) await putIndex(store, managerIndexKey(dm, sample));
      }
    },

    getDataSamples: (keys) => readDataSamples(store, keys),

    /** Rewrites data_manager_keys and the manager index entries that changed. */
    async updateDataSamples(samples) {
      for (const sample of samples) {
        const key = docKey(Doc.dataSample, sample.key);
        const stored = await requireDoc(store, DataSampleSchema, key, 'data sample', sample.key);
        const before = new Set(managers(stored));
        stored.dataManagerKeys = [...sample.dataManagerKeys];
        const after = managers(stored);
        for (const dm of before) if (!after.includes(dm)) await store.del(managerIndexKey(dm, stored));
        await putDoc(store, DataSampleSchema, key, stored);
        for (const dm of after) if (!before.has(dm)) await putIndex(store, managerIndexKey(dm, stored));
      }
    },

    /**
     * Without keys: a range scan of the date index resumed after the token. With keys (an empty list means no
     * filter, as in Substra): the named samples are read, sorted and paged in memory.
     */
    async queryDataSamples(page, filter) {
      const after = decodeToken('date-key', page.token, validDateKey);
      if (filter.keys && filter.keys.length > 0) {
        const candidates: Candidate<DataSample>[] = (await readDataSamples(store, filter.keys)).map((s) => ({
          sort: [dateAttr(s.creationDate), s.key],
          load: () => Promise.resolve(s),
        }));
        return collectPage(sortedAfter(candidates, after), page, 'date-key');
      }
      return collectPage(byDate(store, Index.dataSamplesByDate, after, readDataSample), page, 'date-key');
    },

    /** Keys only: the manager index carries them, no document is read. */
    async getDataSampleKeysByManager(managerKey) {
      if (!usable(managerKey)) return [];
      const keys: string[] = [];
      for await (const hit of scanIndex(store, Index.dataSamplesByManager, [managerKey])) {
        keys.push(hit.attrs[1] as string);
      }
      return keys;
    },
  };
}
