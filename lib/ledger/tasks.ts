import { ComputeTaskSchema, ComputeTaskStatus, type ComputeTask } from '../asset/index.js';
import { internal } from '../errors/index.js';
import type { ComputeTaskStore } from '../persistence/index.js';
import { validDateKey } from './bydate.js';
import { getDoc, putDoc, putIndex, readEach, requireAbsent, requireDoc, usable } from './docs.js';
import { Doc, Index, docKey, indexKey } from './keys.js';
import { decodeToken } from './pagetoken.js';
import { collectPage, loadAll, mergeIndex, scanIndex, type Candidate, type IndexHit } from './query.js';
import { dateAttr } from './sortkey.js';
import type { TxStore } from './store.js';

/** Every status partition, in enum order (the iteration order of getComputePlanTaskStatuses). */
const STATUSES: readonly ComputeTaskStatus[] = Object.values(ComputeTaskStatus)
  .filter((v): v is ComputeTaskStatus => typeof v === 'number')
  .sort((a, b) => a - b);

function statusAttr(status: ComputeTaskStatus): string {
  // The merge of status partitions only visits known statuses, so an unknown one would make the task vanish from
  // unfiltered lists: refuse it loudly instead.
  if (!STATUSES.includes(status)) throw internal(`cannot index compute task status ${status}`);
  return String(status);
}

/** Distinct parent task keys referenced by the task's inputs, in first-appearance order. */
function parentKeys(task: ComputeTask): string[] {
  const parents = new Set<string>();
  for (const input of task.inputs) {
    if (input.ref.case === 'parentTaskOutput' && usable(input.ref.value.parentTaskKey)) {
      parents.add(input.ref.value.parentTaskKey);
    }
  }
  return [...parents];
}

/** The status-bearing index entries of a task (deleted and re-created when its status changes). */
function statusIndexKeys(task: ComputeTask, status: ComputeTaskStatus): string[] {
  const s = statusAttr(status);
  const date = dateAttr(task.creationDate);
  const keys: string[] = [];
  if (usable(task.computePlanKey)) keys.push(indexKey(Index.tasksByPlan, task.computePlanKey, s, date, task.key));
  if (usable(task.functionKey)) keys.push(indexKey(Index.tasksByFunction, task.functionKey, s, date, task.key));
  if (usable(task.worker)) keys.push(indexKey(Index.tasksByWorker, task.worker, s, date, task.key));
  return keys;
}

async function readComputeTask(store: TxStore, key: string): Promise<ComputeTask | undefined> {
  if (!usable(key)) return undefined;
  return getDoc(store, ComputeTaskSchema, docKey(Doc.computeTask, key));
}

/** Candidates from hits whose attributes after the scanned prefix are [date, key]. */
async function* candidates(hits: AsyncIterable<IndexHit>, store: TxStore): AsyncGenerator<Candidate<ComputeTask>> {
  for await (const hit of hits) {
    const key = hit.attrs[1] as string;
    yield { sort: hit.attrs.slice(0, 2), load: () => readComputeTask(store, key) };
  }
}

/** Every worker that has tasks, each as an index prefix. */
async function workers(store: TxStore): Promise<string[][]> {
  const found: string[][] = [];
  for await (const hit of scanIndex(store, Index.taskWorkers, [])) found.push([hit.attrs[0] as string]);
  return found;
}

export function computeTaskStore(store: TxStore): ComputeTaskStore {
  return {
    /**
     * Per task: the document, 3 status-bearing index entries, one children entry per parent, and two links written
     * once per transaction (plan→function and the worker list): blind writes, so concurrent registrations do not
     * conflict on them.
     */
    async addComputeTasks(tasks) {
      for (const task of tasks) {
        // Services always set a worker (a registered organization); a task without one would be in no worker
        // partition.
        if (!usable(task.worker)) throw internal(`compute task ${task.key} has no worker`);
        const key = docKey(Doc.computeTask, task.key);
        await requireAbsent(store, key, 'compute task', task.key);
        await putDoc(store, ComputeTaskSchema, key, task);
        for (const k of statusIndexKeys(task, task.status)) await putIndex(store, k);
        const date = dateAttr(task.creationDate);
        for (const parent of parentKeys(task)) {
          await putIndex(store, indexKey(Index.tasksByParent, parent, date, task.key));
        }
        if (usable(task.computePlanKey) && usable(task.functionKey)) {
          const link = indexKey(Index.functionsByPlan, task.computePlanKey, task.functionKey);
          if (!store.wrote(link)) await putIndex(store, link);
        }
        const worker = indexKey(Index.taskWorkers, task.worker);
        if (!store.wrote(worker)) await putIndex(store, worker);
      }
    },

    getComputeTask: (key) => readComputeTask(store, key),

    getComputeTasks: (keys) => readEach(keys, (key) => readComputeTask(store, key)),

    async updateComputeTaskStatus(key, status) {
      const dkey = docKey(Doc.computeTask, key);
      const task = await requireDoc(store, ComputeTaskSchema, dkey, 'compute task', key);
      if (task.status === status) return;
      const added = statusIndexKeys(task, status); // validates the new status before anything is written
      for (const k of statusIndexKeys(task, task.status)) await store.del(k);
      task.status = status;
      await putDoc(store, ComputeTaskSchema, dkey, task);
      for (const k of added) await putIndex(store, k);
    },

    /**
     * Index choice, most selective first: plan, else function, else worker, else the worker index of every worker;
     * the status filter picks one partition per index prefix, without it the 9 partitions are merged (9 range
     * queries per page and prefix on Fabric). The other filters are checked on the loaded documents, so a page costs
     * one point read per candidate until it is full (cheap for the common worker+status and plan+status queries,
     * which are served by one partition exactly).
     */
    async queryComputeTasks(page, filter) {
      const after = decodeToken('date-key', page.token, validDateKey);
      const status = filter.status ? filter.status : undefined;
      if (status !== undefined && !STATUSES.includes(status)) return { items: [], nextToken: '' };
      let index: (typeof Index)[keyof typeof Index] = Index.tasksByWorker;
      let heads: string[][];
      if (filter.computePlanKey) [index, heads] = [Index.tasksByPlan, [[filter.computePlanKey]]];
      else if (filter.functionKey) [index, heads] = [Index.tasksByFunction, [[filter.functionKey]]];
      else if (filter.worker) heads = [[filter.worker]];
      else heads = await workers(store);
      const partitions = heads.flatMap((head) =>
        (status !== undefined ? [status] : STATUSES).map((s) => [...head, String(s)]),
      );
      const accept = (t: ComputeTask): boolean =>
        (!filter.computePlanKey || t.computePlanKey === filter.computePlanKey) &&
        (!filter.functionKey || t.functionKey === filter.functionKey) &&
        (!filter.worker || t.worker === filter.worker) &&
        (status === undefined || t.status === status);
      return collectPage(candidates(mergeIndex(store, index, partitions, after), store), page, 'date-key', accept);
    },

    async getComputeTaskChildren(key) {
      if (!usable(key)) return [];
      return loadAll(candidates(scanIndex(store, Index.tasksByParent, [key]), store));
    },

    async getFunctionTasksWithStatus(functionKey, statuses) {
      const wanted = STATUSES.filter((s) => statuses.includes(s));
      if (!usable(functionKey) || wanted.length === 0) return [];
      const partitions = wanted.map((s) => [functionKey, String(s)]);
      return loadAll(candidates(mergeIndex(store, Index.tasksByFunction, partitions), store));
    },

    /** One range query per status, each stopping at its first entry. */
    async getComputePlanTaskStatuses(planKey) {
      const found = new Set<ComputeTaskStatus>();
      if (!usable(planKey)) return found;
      for (const status of STATUSES) {
        for await (const _ of scanIndex(store, Index.tasksByPlan, [planKey, String(status)])) {
          found.add(status);
          break;
        }
      }
      return found;
    },
  };
}
