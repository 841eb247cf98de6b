import { create, equals } from '@bufbuild/protobuf';
import { describe, expect, it } from 'vitest';
import {
  ComputeTaskOutputAssetSchema,
  EventKind,
  PerformanceSchema,
  QueryPerformancesParamSchema,
  type ComputeTaskOutputAsset,
  type Performance,
} from '../../../lib/asset/index.js';
import { performanceKey } from '../../../lib/service/index.js';
import { fout, newPerformance, ORG1, ORG2, out, publicPerms, uuid } from './fixtures.js';
import { A, AssetKind, FunctionStatus, S, taskWorld } from './harness.js';

type World = Awaited<ReturnType<typeof taskWorld>>;

/** A test task (owner ORG1, worker ORG2) below a done parent, EXECUTING. */
async function executingTest(w: World) {
  const [parent] = await w.h.tasks(ORG1, w.root());
  await w.h.runToDone(ORG1, parent!.key);
  const [task] = await w.h.tasks(ORG1, w.test(parent!.key, { worker: ORG2 }));
  await w.h.taskAction(ORG2, task!.key, A.TASK_ACTION_EXECUTING);
  return w.h.getTask(task!.key);
}

describe('RegisterPerformance', () => {
  it('stores the performance, keyed "task|identifier", and records the output asset', async () => {
    const w = await taskWorld();
    const task = await executingTest(w);
    w.h.advance();
    const mark = w.h.mark();
    const perf = await w.h.as(ORG2).performance.registerPerformance(newPerformance(task.key, 'performance', 0.25));
    expect(perf).toMatchObject({
      computeTaskKey: task.key,
      computeTaskOutputIdentifier: 'performance',
      performanceValue: 0.25,
    });
    expect(perf.creationDate).toEqual(w.h.now());
    const key = `${task.key}|performance`;
    expect(performanceKey(task.key, 'performance')).toBe(key);

    const events = w.h.since(mark);
    expect(events.map((e) => [e.eventKind, e.assetKind, e.assetKey])).toEqual([
      [EventKind.EVENT_ASSET_CREATED, AssetKind.ASSET_PERFORMANCE, key],
      [EventKind.EVENT_ASSET_CREATED, AssetKind.ASSET_COMPUTE_TASK_OUTPUT_ASSET, task.key],
    ]);
    expect(equals(PerformanceSchema, events[0]!.asset.value as Performance, perf)).toBe(true);
    expect(
      equals(
        ComputeTaskOutputAssetSchema,
        events[1]!.asset.value as ComputeTaskOutputAsset,
        create(ComputeTaskOutputAssetSchema, {
          computeTaskKey: task.key,
          computeTaskOutputIdentifier: 'performance',
          assetKind: AssetKind.ASSET_PERFORMANCE,
          assetKey: key,
        }),
      ),
    ).toBe(true);

    const { Performances } = await w.h
      .as(ORG1)
      .performance.queryPerformances(create(QueryPerformancesParamSchema, { filter: { computeTaskKey: task.key } }));
    expect(Performances).toHaveLength(1);
    expect(equals(PerformanceSchema, Performances[0]!, perf)).toBe(true);
    expect(await w.h.status(task.key)).toBe(S.STATUS_EXECUTING);
  });

  it('a second performance for the same output is OE0006', async () => {
    const w = await taskWorld();
    const task = await executingTest(w);
    await w.h.as(ORG2).performance.registerPerformance(newPerformance(task.key));
    await w.h.refused('OE0006', () => w.h.as(ORG2).performance.registerPerformance(newPerformance(task.key)));
  });

  it('unknown task OE0002; worker only OE0102; undeclared output OE0106', async () => {
    const w = await taskWorld();
    const task = await executingTest(w);
    await w.h.refused('OE0002', () => w.h.as(ORG2).performance.registerPerformance(newPerformance(uuid())));
    await w.h.refused('OE0102', () => w.h.as(ORG1).performance.registerPerformance(newPerformance(task.key)));
    await w.h.refused('OE0106', () => w.h.as(ORG2).performance.registerPerformance(newPerformance(task.key, 'nope')));
  });

  it('only while EXECUTING: after DONE the error contains OE0003', async () => {
    const w = await taskWorld();
    const task = await executingTest(w);
    await w.h.taskAction(ORG2, task.key, A.TASK_ACTION_DONE);
    const err = await w.h.refused('OE0003', () =>
      w.h.as(ORG2).performance.registerPerformance(newPerformance(task.key)),
    );
    expect(err.message).toContain('OE0003');
  });

  it('the output must be a PERFORMANCE output (OE0107, our fix of quirk substra-behaviour §9.8)', async () => {
    const w = await taskWorld();
    const mixed = await w.h.fn(
      ORG1,
      { outputs: { model: fout.model(), perf: fout.performance() } },
      FunctionStatus.READY,
    );
    const [task] = await w.h.tasks(
      ORG1,
      w.root({ functionKey: mixed.key, worker: ORG2, outputs: { model: out(), perf: out(publicPerms()) } }),
    );
    await w.h.taskAction(ORG2, task!.key, A.TASK_ACTION_EXECUTING);
    await w.h.refused('OE0107', () => w.h.as(ORG2).performance.registerPerformance(newPerformance(task!.key, 'model')));
    await w.h.as(ORG2).performance.registerPerformance(newPerformance(task!.key, 'perf'));
  });
});
