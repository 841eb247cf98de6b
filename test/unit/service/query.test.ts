// Query RPC filters and orderings (substra-behaviour §2.16): creation date then key, performances creation date then task key DESC.
import { create } from '@bufbuild/protobuf';
import { describe, expect, it } from 'vitest';
import {
  GetComputeTaskModelsParamSchema,
  QueryDataManagersParamSchema,
  QueryFunctionsParamSchema,
  QueryPerformancesParamSchema,
  QueryTasksParamSchema,
} from '../../../lib/asset/index.js';
import { newPerformance, ORG1, ORG2, ORG3, uuid } from './fixtures.js';
import { A, S, taskWorld } from './harness.js';

describe('QueryFunctions', () => {
  it('lists by creation date then key; filter compute_plan_key = functions used by a task of the plan', async () => {
    const w = await taskWorld();
    const all = await w.h.as(ORG1).function.queryFunctions(create(QueryFunctionsParamSchema));
    const fns = Object.values(w.fns);
    const expected = [...fns].sort((a, b) =>
      a.creationDate!.seconds === b.creationDate!.seconds
        ? a.key.localeCompare(b.key)
        : Number(a.creationDate!.seconds - b.creationDate!.seconds),
    );
    expect(all.Functions.map((f) => f.key)).toEqual(expected.map((f) => f.key));

    const [root] = await w.h.tasks(ORG1, w.root());
    await w.h.tasks(ORG1, w.chain([root!.key]));
    const other = await w.h.plan(ORG1);
    await w.h.tasks(ORG1, w.train({ computePlanKey: other.key }));
    const used = await w.h
      .as(ORG1)
      .function.queryFunctions(create(QueryFunctionsParamSchema, { filter: { computePlanKey: w.plan.key } }));
    expect(used.Functions.map((f) => f.key).sort()).toEqual([w.fns.root.key, w.fns.chain.key].sort());
    const none = await w.h
      .as(ORG1)
      .function.queryFunctions(create(QueryFunctionsParamSchema, { filter: { computePlanKey: uuid() } }));
    expect(none.Functions).toEqual([]);
  });
});

describe('QueryDataManagers', () => {
  it('lists by creation date then key', async () => {
    const w = await taskWorld();
    w.h.advance();
    const later = [await w.h.dataManager(ORG1), await w.h.dataManager(ORG3)].map((d) => d.key).sort();
    const { dataManagers } = await w.h.as(ORG1).dataManager.queryDataManagers(create(QueryDataManagersParamSchema));
    expect(dataManagers.map((d) => d.key)).toEqual([w.dm.key, ...later]);
  });
});

describe('QueryTasks', () => {
  it('filters by worker, status, plan and function, ordered by creation date then key', async () => {
    const w = await taskWorld();
    const first = await w.h.tasks(ORG1, w.root(), w.root({ worker: ORG3 }), w.train());
    w.h.advance();
    const other = await w.h.plan(ORG1);
    const [late] = await w.h.tasks(ORG1, w.root({ computePlanKey: other.key }));
    await w.h.taskAction(ORG1, first[0]!.key, A.TASK_ACTION_EXECUTING);
    const q = async (filter: Parameters<typeof create<typeof QueryTasksParamSchema>>[1]) =>
      (await w.h.as(ORG1).computeTask.queryTasks(create(QueryTasksParamSchema, filter))).tasks.map((t) => t.key);
    const firstKeys = first.map((t) => t.key).sort();
    expect(await q({})).toEqual([...firstKeys, late!.key]);
    expect(await q({ filter: { computePlanKey: w.plan.key } })).toEqual(firstKeys);
    expect(await q({ filter: { worker: ORG2 } })).toEqual([first[2]!.key]);
    expect(await q({ filter: { worker: ORG1 } })).toEqual([first[0]!.key, late!.key]);
    expect(await q({ filter: { status: S.STATUS_EXECUTING } })).toEqual([first[0]!.key]);
    expect(await q({ filter: { functionKey: w.fns.train.key } })).toEqual([first[2]!.key]);
    expect(await q({ filter: { functionKey: w.fns.root.key, computePlanKey: other.key } })).toEqual([late!.key]);
    // Tasks come back whole.
    const { tasks } = await w.h
      .as(ORG1)
      .computeTask.queryTasks(create(QueryTasksParamSchema, { filter: { worker: ORG2 } }));
    expect(tasks[0]!.inputs).toEqual(first[2]!.inputs);
    expect(tasks[0]!.outputs).toEqual(first[2]!.outputs);
  });
});

describe('QueryPerformances and GetComputeTaskOutputModels', () => {
  it('performances: creation date ascending, then task key descending; filters', async () => {
    const w = await taskWorld();
    const [parent] = await w.h.tasks(ORG1, w.root());
    await w.h.runToDone(ORG1, parent!.key);
    const tests = await w.h.tasks(ORG1, w.test(parent!.key), w.test(parent!.key), w.test(parent!.key));
    for (const t of tests) await w.h.taskAction(ORG1, t.key, A.TASK_ACTION_EXECUTING);
    await w.h.as(ORG1).performance.registerPerformance(newPerformance(tests[0]!.key));
    await w.h.as(ORG1).performance.registerPerformance(newPerformance(tests[1]!.key));
    w.h.advance();
    await w.h.as(ORG1).performance.registerPerformance(newPerformance(tests[2]!.key));
    const { Performances } = await w.h.as(ORG1).performance.queryPerformances(create(QueryPerformancesParamSchema));
    const sameDate = [tests[0]!.key, tests[1]!.key].sort().reverse();
    expect(Performances.map((p) => p.computeTaskKey)).toEqual([...sameDate, tests[2]!.key]);
    const one = await w.h.as(ORG1).performance.queryPerformances(
      create(QueryPerformancesParamSchema, {
        filter: { computeTaskKey: tests[1]!.key, computeTaskOutputIdentifier: 'performance' },
      }),
    );
    expect(one.Performances.map((p) => p.computeTaskKey)).toEqual([tests[1]!.key]);
    const none = await w.h
      .as(ORG1)
      .performance.queryPerformances(
        create(QueryPerformancesParamSchema, { filter: { computeTaskOutputIdentifier: 'x' } }),
      );
    expect(none.Performances).toEqual([]);
  });

  it('GetComputeTaskOutputModels returns every model of the task, none for another', async () => {
    const w = await taskWorld();
    const [t] = await w.h.tasks(ORG1, w.root());
    const model = await w.h.runToDone(ORG1, t!.key);
    const get = (computeTaskKey: string) =>
      w.h.as(ORG2).model.getComputeTaskOutputModels(create(GetComputeTaskModelsParamSchema, { computeTaskKey }));
    expect((await get(t!.key)).models).toEqual([model]);
    expect((await get(uuid())).models).toEqual([]);
  });
});
