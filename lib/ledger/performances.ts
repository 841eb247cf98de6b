import { PerformanceSchema, type Performance } from '../asset/index.js';
import type { PerformanceStore } from '../persistence/index.js';
import { decodeDoc } from './codec.js';
import { getDoc, putDoc, putIndex, requireAbsent, usable } from './docs.js';
import { Doc, Index, docKey, indexKey } from './keys.js';
import { decodeToken } from './pagetoken.js';
import { collectPage, scanIndex, sortedAfter, type Candidate } from './query.js';
import { dateAttr, invertString, isDateAttr, uninvertString } from './sortkey.js';
import type { TxStore } from './store.js';

/**
 * Substra orders performances by creation date ascending, then compute task key descending; the output identifier
 * (ascending) is added as the last tiebreaker so that the order is total and pages never overlap. The descending
 * column is stored inverted (sortkey.invertString) so that one ascending range scan yields this order.
 */
function sortTuple(perf: Performance): string[] {
  return [dateAttr(perf.creationDate), invertString(perf.computeTaskKey), perf.computeTaskOutputIdentifier];
}

const validSort = (sort: string[]): boolean =>
  sort.length === 3 &&
  isDateAttr(sort[0] as string) &&
  uninvertString(sort[1] as string) !== undefined &&
  (sort[2] as string).length > 0;

async function readPerformance(store: TxStore, taskKey: string, identifier: string): Promise<Performance | undefined> {
  if (!usable(taskKey) || !usable(identifier)) return undefined;
  return getDoc(store, PerformanceSchema, docKey(Doc.performance, taskKey, identifier));
}

export function performanceStore(store: TxStore): PerformanceStore {
  return {
    async addPerformance(perf) {
      const key = docKey(Doc.performance, perf.computeTaskKey, perf.computeTaskOutputIdentifier);
      await requireAbsent(store, key, 'performance', `${perf.computeTaskKey}|${perf.computeTaskOutputIdentifier}`);
      await putDoc(store, PerformanceSchema, key, perf);
      await putIndex(store, indexKey(Index.performancesByDate, ...sortTuple(perf)));
    },

    getPerformance: (taskKey, identifier) => readPerformance(store, taskKey, identifier),

    /**
     * With a task key: the task's performances (a scan of its document prefix; few) sorted and paged in memory.
     * Otherwise a range scan of the date index resumed after the token, the identifier filter being checked on the
     * index key before any document is read.
     */
    async queryPerformances(page, filter) {
      const after = decodeToken('performance', page.token, validSort);
      const identifier = filter.computeTaskOutputIdentifier || undefined;
      if (filter.computeTaskKey) {
        if (!usable(filter.computeTaskKey)) return { items: [], nextToken: '' };
        const candidates: Candidate<Performance>[] = [];
        for await (const { value } of store.scan(Doc.performance, [filter.computeTaskKey])) {
          const perf = decodeDoc(PerformanceSchema, value);
          if (identifier !== undefined && perf.computeTaskOutputIdentifier !== identifier) continue;
          candidates.push({ sort: sortTuple(perf), load: () => Promise.resolve(perf) });
        }
        return collectPage(sortedAfter(candidates, after), page, 'performance');
      }
      return collectPage(fromDateIndex(store, after, identifier), page, 'performance');
    },
  };
}

async function* fromDateIndex(
  store: TxStore,
  after: string[] | undefined,
  identifier: string | undefined,
): AsyncGenerator<Candidate<Performance>> {
  for await (const hit of scanIndex(store, Index.performancesByDate, [], after ? { after } : {})) {
    const [, invTask, id] = hit.attrs as [string, string, string];
    if (identifier !== undefined && id !== identifier) continue;
    const taskKey = uninvertString(invTask);
    if (taskKey === undefined) continue;
    yield { sort: hit.attrs, load: () => readPerformance(store, taskKey, id) };
  }
}
