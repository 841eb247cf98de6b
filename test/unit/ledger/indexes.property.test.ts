// Property: whatever sequence of adds and updates runs, every index answers exactly what the documents say, and no
// index entry is left behind (status-bearing entries are moved, not duplicated).
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ComputeTaskStatus, type ComputeTask, type DataSample, type Model } from '../../../lib/asset/index.js';
import { splitCompositeKey } from '../../../lib/ledger/kv.js';
import { ledgerDB } from '../../../lib/ledger/ledgerdb.js';
import { MemoryKV } from '../../../lib/ledger/memorykv.js';
import type { TaskFilter } from '../../../lib/persistence/index.js';
import { byDateThenKey, dataSample, fixedUuid as key, fn, model, plan, readAllPages, task } from './dbal-fixtures.js';

const STATUSES = Object.values(ComputeTaskStatus).filter((v): v is ComputeTaskStatus => typeof v === 'number');
const plans = [plan('orga', 0, key(900001)), plan('orga', 0, key(900002))];
const fns = [fn('orga', 0, key(900003)), fn('orga', 0, key(900004))];
const workers = ['w1', 'w2'];
const managers = [key(900005), key(900006), key(900007)];

const status = fc.constantFrom(...STATUSES);
const op = fc.oneof(
  fc.record({
    kind: fc.constant('task' as const),
    plan: fc.nat(1),
    fn: fc.nat(1),
    worker: fc.nat(1),
    status,
    at: fc.nat(4),
    parents: fc.array(fc.nat(), { maxLength: 3 }),
  }),
  fc.record({ kind: fc.constant('status' as const), task: fc.nat(), status }),
  fc.record({ kind: fc.constant('sample' as const), at: fc.nat(4), managers: fc.subarray(managers) }),
  fc.record({ kind: fc.constant('relink' as const), sample: fc.nat(), managers: fc.subarray(managers) }),
  fc.record({ kind: fc.constant('model' as const), task: fc.nat(), at: fc.nat(4) }),
  // Through transactions: commit and open the next one, so overlays merge with committed entries.
  fc.record({ kind: fc.constant('commit' as const) }),
);

const keys = (items: { key: string }[]) => items.map((i) => i.key);

describe('LedgerDB indexes', () => {
  it('stay consistent with the documents under random adds and updates', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(op, { maxLength: 40 }),
        fc.boolean(),
        fc.integer({ min: 1, max: 4 }),
        async (ops, viaTx, size) => {
          const base = new MemoryKV();
          let tx = viaTx ? base.transaction() : undefined;
          let db = ledgerDB(tx ?? base, 'ch');
          const tasks: ComputeTask[] = [];
          const samples: DataSample[] = [];
          const models: Model[] = [];
          let n = 0;
          for (const o of ops) {
            n++;
            if (o.kind === 'task') {
              const parents = tasks.length
                ? [...new Set(o.parents.map((i) => (tasks[i % tasks.length] as ComputeTask).key))]
                : [];
              const t = task({
                plan: plans[o.plan] as (typeof plans)[0],
                function: fns[o.fn] as (typeof fns)[0],
                worker: workers[o.worker] as string,
                status: o.status,
                createdAt: o.at,
                parents,
                key: key(n),
              });
              await db.addComputeTasks([t]);
              tasks.push(t);
            } else if (o.kind === 'status' && tasks.length) {
              const t = tasks[o.task % tasks.length] as ComputeTask;
              await db.updateComputeTaskStatus(t.key, o.status);
              t.status = o.status;
            } else if (o.kind === 'sample') {
              const s = dataSample('orga', o.at, o.managers, key(n));
              await db.addDataSamples([s]);
              samples.push(s);
            } else if (o.kind === 'relink' && samples.length) {
              const s = samples[o.sample % samples.length] as DataSample;
              s.dataManagerKeys = o.managers;
              await db.updateDataSamples([s]);
            } else if (o.kind === 'commit' && tx) {
              tx.commit();
              tx = base.transaction();
              db = ledgerDB(tx, 'ch');
            } else if (o.kind === 'model' && tasks.length) {
              const m = model(tasks[o.task % tasks.length] as ComputeTask, o.at, key(n));
              await db.addModel(m);
              models.push(m);
            }
          }

          const filters: TaskFilter[] = [{}, ...STATUSES.map((s) => ({ status: s }))];
          for (const p of plans)
            filters.push({ computePlanKey: p.key }, { computePlanKey: p.key, status: ComputeTaskStatus.STATUS_DONE });
          for (const f of fns) filters.push({ functionKey: f.key });
          for (const w of workers)
            filters.push({ worker: w }, { worker: w, status: ComputeTaskStatus.STATUS_EXECUTING });
          for (const filter of filters) {
            const expected = tasks
              .filter(
                (t) =>
                  (!filter.status || t.status === filter.status) &&
                  (!filter.computePlanKey || t.computePlanKey === filter.computePlanKey) &&
                  (!filter.functionKey || t.functionKey === filter.functionKey) &&
                  (!filter.worker || t.worker === filter.worker),
              )
              .sort(byDateThenKey);
            const got = await readAllPages(
              (pg) => db.queryComputeTasks(pg, filter),
              size,
              (t) => t.key,
            );
            expect(got.map((t) => [t.key, t.status])).toEqual(expected.map((t) => [t.key, t.status]));
          }
          for (const p of plans) {
            const expected = new Set(tasks.filter((t) => t.computePlanKey === p.key).map((t) => t.status));
            expect(await db.getComputePlanTaskStatuses(p.key)).toEqual(expected);
          }
          for (const f of fns) {
            const wanted = [ComputeTaskStatus.STATUS_BUILDING, ComputeTaskStatus.STATUS_DONE];
            const expected = tasks
              .filter((t) => t.functionKey === f.key && wanted.includes(t.status))
              .sort(byDateThenKey);
            expect(keys(await db.getFunctionTasksWithStatus(f.key, wanted))).toEqual(keys(expected));
          }
          const parentsOf = (t: ComputeTask) =>
            new Set(t.inputs.flatMap((i) => (i.ref.case === 'parentTaskOutput' ? [i.ref.value.parentTaskKey] : [])));
          for (const t of tasks) {
            const children = tasks.filter((c) => parentsOf(c).has(t.key)).sort(byDateThenKey);
            expect(keys(await db.getComputeTaskChildren(t.key))).toEqual(keys(children));
            const own = models.filter((m) => m.computeTaskKey === t.key).sort(byDateThenKey);
            expect(keys(await db.getComputeTaskOutputModels(t.key))).toEqual(keys(own));
          }
          for (const dm of managers) {
            const linked = samples.filter((s) => s.dataManagerKeys.includes(dm)).sort(byDateThenKey);
            expect(await db.getDataSampleKeysByManager(dm)).toEqual(keys(linked));
          }

          // No entry left behind: count what the world state holds per index.
          tx?.commit();
          const count = new Map<string, number>();
          for (const { key: k } of base.entries()) {
            const type = splitCompositeKey(k)?.objectType ?? '';
            count.set(type, (count.get(type) ?? 0) + 1);
          }
          for (const index of ['task', 'task~plan', 'task~fn', 'task~worker']) {
            expect(count.get(index) ?? 0, index).toBe(tasks.length);
          }
          expect(count.get('task~workers') ?? 0).toBe(new Set(tasks.map((t) => t.worker)).size);
          const parentLinks = tasks.reduce((sum, t) => sum + parentsOf(t).size, 0);
          expect(count.get('task~parent') ?? 0).toBe(parentLinks);
          expect(count.get('ds~dm') ?? 0).toBe(samples.reduce((sum, s) => sum + new Set(s.dataManagerKeys).size, 0));
          expect(count.get('model~task') ?? 0).toBe(models.length);
        },
      ),
      { numRuns: 60 },
    );
  }, 120_000);
});
