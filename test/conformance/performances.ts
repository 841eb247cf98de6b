// Performances (substra-behaviour §2.8): one per (task, output), registered by the worker of an executing task.
import { create } from '@bufbuild/protobuf';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  AssetKind,
  ComputeTaskOutputAssetSchema,
  EventKind,
  PerformanceSchema,
  type ComputeTask,
  type Function as OrcFunction,
} from '../../lib/asset/index.js';
import {
  eventsOf,
  expectEventMeta,
  expectMessage,
  expectMicros,
  expectOrcError,
  payload,
  queryAllEvents,
} from './assertions.js';
import type { ConformanceContext } from './context.js';
import {
  completeWithModel,
  finishTask,
  key,
  parentOutput,
  publicPermissions,
  registerTask,
  seedTask,
  setupBench,
  setupFunction,
  startTask,
  withNewPlan,
  type Bench,
} from './fixtures.js';

export function performanceScenarios(ctx: ConformanceContext): void {
  describe('performances', () => {
    let bench: Bench;
    let metricsFn: OrcFunction;
    beforeAll(async () => {
      bench = await setupBench(ctx.owner, ctx.worker);
      metricsFn = await setupFunction(ctx.owner, 'metrics');
    });

    /** A running task of the `metrics` function (three performance outputs) on a fresh plan. */
    async function runningMetricsTask(): Promise<ComputeTask> {
      const b = await withNewPlan(bench);
      const parent = await registerTask(
        ctx.owner,
        seedTask({ plan: b.plan, fn: b.modelOnly, worker: ctx.topology.worker }),
      );
      await completeWithModel(ctx.worker, parent.key);
      const task = await registerTask(ctx.owner, {
        key: key(),
        functionKey: metricsFn.key,
        computePlanKey: b.plan.key,
        worker: ctx.topology.worker,
        inputs: [parentOutput('model', parent.key)],
        outputs: Object.fromEntries(
          ['accuracy', 'loss', 'auc'].map((id) => [id, { permissions: publicPermissions(), transient: false }]),
        ),
      });
      await startTask(ctx.worker, task.key);
      return task;
    }

    it('RegisterPerformance: response == QueryPerformances entry == CREATED payload, plus an output-asset event', async () => {
      const task = await runningMetricsTask();
      const perf = await ctx.worker.performance.registerPerformance({
        computeTaskKey: task.key,
        computeTaskOutputIdentifier: 'accuracy',
        performanceValue: 0.1,
      });
      // float32 on the wire: 0.1 comes back as the nearest float32.
      expect(perf).toMatchObject({
        computeTaskKey: task.key,
        computeTaskOutputIdentifier: 'accuracy',
        performanceValue: Math.fround(0.1),
      });
      expectMicros(perf.creationDate);
      const listed = await ctx.owner.performance.queryPerformances({ filter: { computeTaskKey: task.key } });
      expect(listed.Performances).toHaveLength(1);
      expectMessage(PerformanceSchema, listed.Performances[0], perf);

      // A performance's key is "<task>|<identifier>" (substra-behaviour §4.2).
      const perfKey = `${task.key}|accuracy`;
      const events = await eventsOf(ctx.owner, perfKey);
      expect(events.map((e) => [e.eventKind, e.assetKind])).toEqual([
        [EventKind.EVENT_ASSET_CREATED, AssetKind.ASSET_PERFORMANCE],
      ]);
      expectEventMeta(events[0]!, ctx.channel);
      expectMessage(PerformanceSchema, payload(events[0]!, 'performance'), perf);
      const outputs = (await eventsOf(ctx.owner, task.key)).filter(
        (e) => e.assetKind === AssetKind.ASSET_COMPUTE_TASK_OUTPUT_ASSET,
      );
      expect(outputs).toHaveLength(1);
      expectMessage(
        ComputeTaskOutputAssetSchema,
        payload(outputs[0]!, 'computeTaskOutputAsset'),
        create(ComputeTaskOutputAssetSchema, {
          computeTaskKey: task.key,
          computeTaskOutputIdentifier: 'accuracy',
          assetKind: AssetKind.ASSET_PERFORMANCE,
          assetKey: perfKey,
        }),
      );
    });

    it('refuses: twice on one output (OE0006), an undeclared output (OE0106), a non-worker (OE0102)', async () => {
      const task = await runningMetricsTask();
      const register = (client = ctx.worker, identifier = 'loss', value = 0.5) =>
        client.performance.registerPerformance({
          computeTaskKey: task.key,
          computeTaskOutputIdentifier: identifier,
          performanceValue: value,
        });
      await register();
      await expectOrcError(register(ctx.worker, 'loss', 0.7), 'OE0006');
      await expectOrcError(register(ctx.worker, 'f1'), 'OE0106');
      await expectOrcError(register(ctx.owner, 'auc'), 'OE0102');
      await expectOrcError(
        ctx.worker.performance.registerPerformance({ computeTaskKey: key(), computeTaskOutputIdentifier: 'loss' }),
        'OE0002',
      );
      await expectOrcError(
        ctx.worker.performance.registerPerformance({ computeTaskKey: 'x', computeTaskOutputIdentifier: 'loss' }),
        'OE0101',
      );
      await expectOrcError(
        ctx.worker.performance.registerPerformance({ computeTaskKey: task.key, computeTaskOutputIdentifier: '' }),
        'OE0101',
      );
      const { Performances } = await ctx.owner.performance.queryPerformances({ filter: { computeTaskKey: task.key } });
      expect(Performances.map((p) => [p.computeTaskOutputIdentifier, p.performanceValue])).toEqual([['loss', 0.5]]);
      expect(await eventsOf(ctx.owner, `${task.key}|auc`)).toEqual([]);
      expect(await eventsOf(ctx.owner, `${task.key}|f1`)).toEqual([]);
    });

    it('after DONE a performance is refused with FAILED_PRECONDITION (OE0003), as Substra e2e expects', async () => {
      const task = await runningMetricsTask();
      await finishTask(ctx.worker, task.key);
      await expectOrcError(
        ctx.worker.performance.registerPerformance({
          computeTaskKey: task.key,
          computeTaskOutputIdentifier: 'accuracy',
          performanceValue: 1,
        }),
        'OE0003',
      );
      expect(await eventsOf(ctx.owner, `${task.key}|accuracy`)).toEqual([]);
    });

    it('QueryPerformances filters on task and output identifier, and pages', async () => {
      const task = await runningMetricsTask();
      for (const [id, value] of [
        ['accuracy', 0.25],
        ['loss', 1.5],
        ['auc', 0.75],
      ] as const) {
        await ctx.worker.performance.registerPerformance({
          computeTaskKey: task.key,
          computeTaskOutputIdentifier: id,
          performanceValue: value,
        });
      }
      const only = await ctx.owner.performance.queryPerformances({
        filter: { computeTaskKey: task.key, computeTaskOutputIdentifier: 'loss' },
      });
      expect(only.Performances.map((p) => p.performanceValue)).toEqual([1.5]);
      const page1 = await ctx.owner.performance.queryPerformances({
        pageSize: 2,
        filter: { computeTaskKey: task.key },
      });
      expect(page1.Performances).toHaveLength(2);
      expect(page1.nextPageToken).not.toBe('');
      const page2 = await ctx.owner.performance.queryPerformances({
        pageSize: 2,
        pageToken: page1.nextPageToken,
        filter: { computeTaskKey: task.key },
      });
      expect(page2.Performances).toHaveLength(1);
      expect(page2.nextPageToken).toBe('');
      const ids = [...page1.Performances, ...page2.Performances].map((p) => p.computeTaskOutputIdentifier);
      expect(ids.sort()).toEqual(['accuracy', 'auc', 'loss']);
      // Each registration is its own request: three PERFORMANCE events for the task's outputs.
      const perfEvents = await queryAllEvents(ctx.owner, {
        assetKind: AssetKind.ASSET_PERFORMANCE,
        start: page1.Performances[0]?.creationDate,
      });
      expect(perfEvents.filter((e) => e.assetKey.startsWith(`${task.key}|`))).toHaveLength(3);
    });
  });
}
