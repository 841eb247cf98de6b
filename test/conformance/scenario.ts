// A whole federated-learning run, as Substra's e2e suite and a backend drive it: two organizations, functions built
// through ApplyFunctionAction, data, a plan with a train → aggregate → predict DAG, models, a performance, output
// disabling, a failure report; then the event stream must tell exactly this story, in order, with the same payloads.
import { describe, expect, it } from 'vitest';
import {
  AssetKind,
  ComputePlanSchema,
  ComputeTaskSchema,
  ComputeTaskStatus,
  DataManagerSchema,
  DataSampleSchema,
  ErrorType,
  EventKind,
  FailedAssetKind,
  FailureReportSchema,
  FunctionAction,
  FunctionSchema,
  FunctionStatus,
  ModelSchema,
  PerformanceSchema,
  type Event,
} from '../../lib/asset/index.js';
import { expectMessage, expectMicros, payload } from './assertions.js';
import type { ConformanceContext } from './context.js';
import {
  addressable,
  aggregateTask,
  checksum,
  finishTask,
  key,
  newDataManager,
  newFunction,
  predictTask,
  registerModel,
  restrictedTo,
  startTask,
  trainTask,
  type Dataset,
} from './fixtures.js';
import { readUntil, writeMarker } from './stream.js';

type Expected = [AssetKind, EventKind, string];
const C = EventKind.EVENT_ASSET_CREATED;
const U = EventKind.EVENT_ASSET_UPDATED;
const D = EventKind.EVENT_ASSET_DISABLED;
const K = AssetKind;

export function scenario(ctx: ConformanceContext): void {
  describe('federated learning scenario', () => {
    it('runs a plan end to end; the event stream replays exactly what happened', async () => {
      const owner = ctx.owner;
      const worker = ctx.worker;
      const expected: Expected[] = [];
      const start = await writeMarker(owner);

      // Functions, built by their owner (the backend's builder): BUILDING, image, READY.
      const functions = [];
      for (const shape of ['train', 'aggregate', 'predict'] as const) {
        const fn = await owner.function.registerFunction(newFunction(shape));
        expected.push([K.ASSET_FUNCTION, C, fn.key]);
        await owner.function.applyFunctionAction({ functionKey: fn.key, action: FunctionAction.BUILDING });
        await owner.function.updateFunction({ key: fn.key, name: fn.name, image: addressable() });
        await owner.function.applyFunctionAction({ functionKey: fn.key, action: FunctionAction.READY });
        expected.push([K.ASSET_FUNCTION, U, fn.key], [K.ASSET_FUNCTION, U, fn.key], [K.ASSET_FUNCTION, U, fn.key]);
        const ready = await owner.function.getFunction({ key: fn.key });
        expect(ready.status).toBe(FunctionStatus.READY);
        functions.push(ready);
      }
      const [trainFn, aggregateFn, predictFn] = functions as [
        (typeof functions)[0],
        (typeof functions)[0],
        (typeof functions)[0],
      ];

      // Data: each organization registers its data manager and samples; the owner's data is processable by both.
      const datasets: Dataset[] = [];
      for (const [client, perms] of [
        [owner, restrictedTo(ctx.topology.worker)],
        [worker, restrictedTo(ctx.topology.owner)],
      ] as const) {
        const dm = await client.dataManager.registerDataManager(
          newDataManager({ newPermissions: perms, logsPermission: perms }),
        );
        expected.push([K.ASSET_DATA_MANAGER, C, dm.key]);
        const { dataSamples } = await client.dataSample.registerDataSamples({
          samples: [0, 1, 2].map(() => ({ key: key(), dataManagerKeys: [dm.key], checksum: checksum() })),
        });
        for (const s of dataSamples) expected.push([K.ASSET_DATA_SAMPLE, C, s.key]);
        expectMessage(
          DataSampleSchema,
          await client.dataSample.getDataSample({ key: dataSamples[0]!.key }),
          dataSamples[0],
        );
        datasets.push({ dataManager: dm, samples: dataSamples, sampleKeys: dataSamples.map((s) => s.key) });
      }
      const [ownerData, workerData] = datasets as [Dataset, Dataset];

      // The plan and its DAG, sent children-first: the orchestrator sorts it.
      const plan = await owner.plan.registerPlan({
        key: key(),
        name: 'e2e',
        tag: 'scenario',
        metadata: { round: '1' },
      });
      expected.push([K.ASSET_COMPUTE_PLAN, C, plan.key]);
      const t1 = trainTask({ plan, fn: trainFn, dataset: ownerData, transient: true });
      const t2 = trainTask({ plan, fn: trainFn, dataset: workerData, transient: true });
      const agg = aggregateTask({ plan, fn: aggregateFn, parents: [t1.key!, t2.key!], worker: ctx.topology.owner });
      const test = predictTask({ plan, fn: predictFn, dataset: ownerData, parent: agg.key! });
      const { tasks } = await owner.task.registerTasks({ tasks: [test, agg, t2, t1] });
      for (const t of tasks) expected.push([K.ASSET_COMPUTE_TASK, C, t.key]);
      const registered = new Map(tasks.map((t) => [t.key, t]));
      expect(tasks.map((t) => t.status)).toEqual([
        ComputeTaskStatus.STATUS_WAITING_FOR_EXECUTOR_SLOT,
        ComputeTaskStatus.STATUS_WAITING_FOR_EXECUTOR_SLOT,
        ComputeTaskStatus.STATUS_WAITING_FOR_PARENT_TASKS,
        ComputeTaskStatus.STATUS_WAITING_FOR_PARENT_TASKS,
      ]);
      expect((await owner.plan.isPlanRunning({ key: plan.key })).isRunning).toBe(true);
      const planFunctions = await worker.function.queryFunctions({ filter: { computePlanKey: plan.key } });
      expect(planFunctions.Functions.map((f) => f.key).sort()).toEqual(functions.map((f) => f.key).sort());

      // Each organization trains on its own data.
      const models = new Map<string, Awaited<ReturnType<typeof registerModel>>>();
      for (const [client, task] of [
        [owner, t1],
        [worker, t2],
      ] as const) {
        const inputs = await client.task.getTaskInputAssets({ computeTaskKey: task.key! });
        expect(inputs.assets.map((a) => a.asset.case)).toEqual([
          'dataManager',
          'dataSample',
          'dataSample',
          'dataSample',
        ]);
        await startTask(client, task.key!);
        expected.push([K.ASSET_COMPUTE_TASK, U, task.key!]);
        const model = await registerModel(client, task.key!);
        expected.push([K.ASSET_MODEL, C, model.key], [K.ASSET_COMPUTE_TASK_OUTPUT_ASSET, C, task.key!]);
        models.set(task.key!, model);
        await finishTask(client, task.key!);
        expected.push([K.ASSET_COMPUTE_TASK, U, task.key!]);
      }
      // The second DONE released the aggregate, in the same request.
      expected.push([K.ASSET_COMPUTE_TASK, U, agg.key!]);
      expect((await owner.task.getTask({ key: agg.key! })).status).toBe(
        ComputeTaskStatus.STATUS_WAITING_FOR_EXECUTOR_SLOT,
      );

      const aggInputs = await owner.task.getTaskInputAssets({ computeTaskKey: agg.key! });
      expect(aggInputs.assets.map((a) => (a.asset.case === 'model' ? a.asset.value.key : '')).sort()).toEqual(
        [...models.values()].map((m) => m.key).sort(),
      );
      await startTask(owner, agg.key!);
      expected.push([K.ASSET_COMPUTE_TASK, U, agg.key!]);
      const aggModel = await registerModel(owner, agg.key!);
      expected.push([K.ASSET_MODEL, C, aggModel.key], [K.ASSET_COMPUTE_TASK_OUTPUT_ASSET, C, agg.key!]);
      await finishTask(owner, agg.key!);
      expected.push([K.ASSET_COMPUTE_TASK, U, agg.key!], [K.ASSET_COMPUTE_TASK, U, test.key!]);

      // The test task scores the aggregate on the owner's data.
      await startTask(owner, test.key!);
      expected.push([K.ASSET_COMPUTE_TASK, U, test.key!]);
      const perf = await owner.performance.registerPerformance({
        computeTaskKey: test.key!,
        computeTaskOutputIdentifier: 'performance',
        performanceValue: 0.875,
      });
      expected.push(
        [K.ASSET_PERFORMANCE, C, `${test.key}|performance`],
        [K.ASSET_COMPUTE_TASK_OUTPUT_ASSET, C, test.key!],
      );
      await finishTask(owner, test.key!);
      expected.push([K.ASSET_COMPUTE_TASK, U, test.key!]);
      expect((await owner.plan.isPlanRunning({ key: plan.key })).isRunning).toBe(false);

      // Intermediate models are no longer needed: each worker disables its transient output.
      for (const [client, task] of [
        [owner, t1],
        [worker, t2],
      ] as const) {
        await client.task.disableOutput({ computeTaskKey: task.key!, identifier: 'model' });
        expected.push([K.ASSET_MODEL, D, models.get(task.key!)!.key]);
        expect((await client.model.getModel({ key: models.get(task.key!)!.key })).address).toBeUndefined();
      }

      // A second plan fails: the worker reports the failure of its task.
      const plan2 = await owner.plan.registerPlan({ key: key(), name: 'e2e failing' });
      expected.push([K.ASSET_COMPUTE_PLAN, C, plan2.key]);
      const failing = await owner.task.registerTasks({
        tasks: [trainTask({ plan: plan2, fn: trainFn, dataset: workerData })],
      });
      const failingKey = failing.tasks[0]!.key;
      expected.push([K.ASSET_COMPUTE_TASK, C, failingKey]);
      await startTask(worker, failingKey);
      expected.push([K.ASSET_COMPUTE_TASK, U, failingKey]);
      const report = await worker.failureReport.registerFailureReport({
        assetKey: failingKey,
        assetType: FailedAssetKind.FAILED_ASSET_COMPUTE_TASK,
        errorType: ErrorType.EXECUTION,
        logsAddress: addressable(),
      });
      expected.push([K.ASSET_COMPUTE_TASK, U, failingKey], [K.ASSET_FAILURE_REPORT, C, failingKey]);
      const failedPlan = await owner.plan.getPlan({ key: plan2.key });
      expectMicros(failedPlan.failureDate);
      expect((await owner.plan.isPlanRunning({ key: plan2.key })).isRunning).toBe(false);
      expect(
        (await worker.performance.queryPerformances({ filter: { computeTaskKey: test.key! } })).Performances,
      ).toHaveLength(1);

      // The stream, from the marker, tells exactly this story.
      const end = await writeMarker(owner);
      const stream = worker.event.subscribeToEvents({ startEventId: start.event.id });
      const streamed = (await readUntil(stream, end.assetKey)).slice(0, -1);
      stream.cancel();
      expect(streamed.map((e) => [K[e.assetKind], EventKind[e.eventKind], e.assetKey])).toEqual(
        expected.map(([kind, ev, k]) => [K[kind], EventKind[ev], k]),
      );

      // Payloads: CREATED events carry what the Register calls returned; the last event of each asset its final state.
      const created = (k: string, kind: AssetKind): Event =>
        streamed.find((e) => e.assetKey === k && e.assetKind === kind && e.eventKind === C)!;
      const lastOf = (k: string, kind: AssetKind): Event =>
        streamed.filter((e) => e.assetKey === k && e.assetKind === kind).at(-1)!;
      for (const fn of functions) {
        expectMessage(FunctionSchema, payload(lastOf(fn.key, K.ASSET_FUNCTION), 'function'), fn);
      }
      for (const ds of datasets) {
        expectMessage(
          DataManagerSchema,
          payload(created(ds.dataManager.key, K.ASSET_DATA_MANAGER), 'dataManager'),
          ds.dataManager,
        );
        for (const s of ds.samples)
          expectMessage(DataSampleSchema, payload(created(s.key, K.ASSET_DATA_SAMPLE), 'dataSample'), s);
      }
      expectMessage(ComputePlanSchema, payload(created(plan.key, K.ASSET_COMPUTE_PLAN), 'computePlan'), plan);
      for (const t of tasks) {
        expectMessage(
          ComputeTaskSchema,
          payload(created(t.key, K.ASSET_COMPUTE_TASK), 'computeTask'),
          registered.get(t.key),
        );
        const final = await owner.task.getTask({ key: t.key });
        expect(final.status).toBe(ComputeTaskStatus.STATUS_DONE);
        expectMessage(ComputeTaskSchema, payload(lastOf(t.key, K.ASSET_COMPUTE_TASK), 'computeTask'), final);
      }
      for (const m of [...models.values(), aggModel]) {
        expectMessage(ModelSchema, payload(created(m.key, K.ASSET_MODEL), 'model'), m);
        expectMessage(
          ModelSchema,
          payload(lastOf(m.key, K.ASSET_MODEL), 'model'),
          await owner.model.getModel({ key: m.key }),
        );
      }
      expectMessage(
        PerformanceSchema,
        payload(created(`${test.key}|performance`, K.ASSET_PERFORMANCE), 'performance'),
        perf,
      );
      expectMessage(FailureReportSchema, payload(created(failingKey, K.ASSET_FAILURE_REPORT), 'failureReport'), report);
      expect(created(failingKey, K.ASSET_FAILURE_REPORT).timestamp).toEqual(failedPlan.failureDate);
      for (const e of streamed) expect(e.channel).toBe(ctx.channel);
    });
  });
}
