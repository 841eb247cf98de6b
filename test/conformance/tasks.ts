// Compute tasks (substra-behaviour §2.7, §2.10): registration rules, the DAG, the state machine and its propagation.
import { clone } from '@bufbuild/protobuf';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  AssetKind,
  ComputePlanAction,
  ComputeTaskAction,
  ComputeTaskSchema,
  ComputeTaskStatus,
  DataManagerSchema,
  DataSampleSchema,
  EventKind,
  ModelSchema,
  type ComputeTask,
} from '../../lib/asset/index.js';
import {
  createdEvent,
  eventsOf,
  expectEventMeta,
  expectMessage,
  expectMicros,
  expectNothingWritten,
  expectOrcError,
  oneof,
  payload,
} from './assertions.js';
import type { ConformanceContext } from './context.js';
import {
  aggregateTask,
  assetInput,
  completeWithModel,
  finishTask,
  key,
  newFunction,
  parentOutput,
  predictTask,
  registerModel,
  registerTask,
  restrictedTo,
  seedTask,
  setupBench,
  setupFunction,
  setupPlan,
  startTask,
  trainTask,
  withNewPlan,
  type Bench,
} from './fixtures.js';

const S = ComputeTaskStatus;
const A = ComputeTaskAction;

export function taskScenarios(ctx: ConformanceContext): void {
  describe('compute tasks', () => {
    let bench: Bench;
    beforeAll(async () => {
      bench = await setupBench(ctx.owner, ctx.worker);
    });

    it('RegisterTasks: response == GetTask == CREATED event payload; worker, rank, permissions derived', async () => {
      const b = await withNewPlan(bench);
      const input = trainTask({
        plan: b.plan,
        fn: b.train,
        dataset: b.workerData,
        outputPermissions: restrictedTo(ctx.topology.worker),
        metadata: { __tag__: 'round-1', epoch: '3' },
      });
      const task = await registerTask(ctx.owner, input);
      expect(task).toMatchObject({
        key: input.key,
        owner: ctx.topology.owner,
        computePlanKey: b.plan.key,
        functionKey: b.train.key,
        rank: 0,
        status: S.STATUS_WAITING_FOR_EXECUTOR_SLOT,
        // The worker of a task on data is the data manager's owner.
        worker: ctx.topology.worker,
        metadata: { __tag__: 'round-1', epoch: '3' },
      });
      expect(task.inputs.map((i) => i.identifier)).toEqual(input.inputs!.map((i) => i.identifier));
      expect(task.outputs.model?.permissions?.process).toMatchObject({
        public: false,
        authorizedIds: [ctx.topology.worker, ctx.topology.owner],
      });
      expect(task.outputs.model?.transient).toBe(false);
      // A task on data inherits the data manager's logs permission.
      expect(task.logsPermission).toEqual(b.workerData.dataManager.logsPermission);
      expectMicros(task.creationDate);

      expectMessage(ComputeTaskSchema, await ctx.owner.task.getTask({ key: task.key }), task);
      expectMessage(ComputeTaskSchema, await ctx.worker.task.getTask({ key: task.key }), task);
      const event = await createdEvent(ctx.owner, task.key, 'computeTask');
      expectEventMeta(event, ctx.channel);
      expect(event.assetKind).toBe(AssetKind.ASSET_COMPUTE_TASK);
      expectMessage(ComputeTaskSchema, payload(event, 'computeTask'), task);
    });

    it('sorts a batch parents-first (response and events), ranks children, waits for parents', async () => {
      const b = await withNewPlan(bench);
      const t1 = trainTask({ plan: b.plan, fn: b.train, dataset: b.ownerData });
      const t2 = trainTask({ plan: b.plan, fn: b.train, dataset: b.workerData });
      const agg = aggregateTask({
        plan: b.plan,
        fn: b.aggregate,
        parents: [t1.key!, t2.key!],
        worker: ctx.topology.owner,
      });
      const next = trainTask({ plan: b.plan, fn: b.train, dataset: b.workerData, parents: [agg.key!] });
      const { tasks } = await ctx.owner.task.registerTasks({ tasks: [next, agg, t2, t1] });
      const position = (k: string | undefined) => tasks.findIndex((t) => t.key === k);
      expect(tasks).toHaveLength(4);
      expect(position(agg.key)).toBeGreaterThan(Math.max(position(t1.key), position(t2.key)));
      expect(position(next.key)).toBeGreaterThan(position(agg.key));
      const byKey = new Map(tasks.map((t) => [t.key, t]));
      expect(byKey.get(t1.key!)).toMatchObject({
        rank: 0,
        status: S.STATUS_WAITING_FOR_EXECUTOR_SLOT,
        worker: ctx.topology.owner,
      });
      expect(byKey.get(t2.key!)).toMatchObject({
        rank: 0,
        status: S.STATUS_WAITING_FOR_EXECUTOR_SLOT,
        worker: ctx.topology.worker,
      });
      expect(byKey.get(agg.key!)).toMatchObject({
        rank: 1,
        status: S.STATUS_WAITING_FOR_PARENT_TASKS,
        worker: ctx.topology.owner,
      });
      expect(byKey.get(next.key!)).toMatchObject({ rank: 2, status: S.STATUS_WAITING_FOR_PARENT_TASKS });
      // A task without data gets the union of its parents' logs permissions and the owner.
      expect(byKey.get(agg.key!)?.logsPermission?.public).toBe(true);
      // All tasks of one request share the transaction time.
      for (const t of tasks) expect(t.creationDate).toEqual(tasks[0]!.creationDate);
      for (const t of tasks) expectMessage(ComputeTaskSchema, await ctx.owner.task.getTask({ key: t.key }), t);

      // One CREATED event per task, in the response's order (read back through the ordered stream).
      const { tasks: planTasks } = await ctx.owner.task.queryTasks({ filter: { computePlanKey: b.plan.key } });
      expect(planTasks.map((t) => t.key).sort()).toEqual(tasks.map((t) => t.key).sort());
      for (const t of tasks) await createdEvent(ctx.owner, t.key, 'computeTask');
    });

    it('DONE releases the children whose parents are all done, with an ordered UPDATED event', async () => {
      const b = await withNewPlan(bench);
      const p1 = seedTask({ plan: b.plan, fn: b.modelOnly, worker: ctx.topology.worker });
      const p2 = seedTask({ plan: b.plan, fn: b.modelOnly, worker: ctx.topology.owner });
      const child = aggregateTask({
        plan: b.plan,
        fn: b.aggregate,
        parents: [p1.key!, p2.key!],
        worker: ctx.topology.worker,
      });
      await ctx.owner.task.registerTasks({ tasks: [p1, p2, child] });

      await completeWithModel(ctx.worker, p1.key!);
      expect((await ctx.owner.task.getTask({ key: child.key! })).status).toBe(S.STATUS_WAITING_FOR_PARENT_TASKS);
      await completeWithModel(ctx.owner, p2.key!);
      const released = await ctx.owner.task.getTask({ key: child.key! });
      expect(released.status).toBe(S.STATUS_WAITING_FOR_EXECUTOR_SLOT);
      const childEvents = await eventsOf(ctx.owner, child.key!);
      expect(childEvents.map((e) => e.eventKind)).toEqual([
        EventKind.EVENT_ASSET_CREATED,
        EventKind.EVENT_ASSET_UPDATED,
      ]);
      expect(childEvents[1]!.metadata).toEqual({ reason: `Last parent task ${p2.key} done` });
      expect(payload(childEvents[1]!, 'computeTask').status).toBe(S.STATUS_WAITING_FOR_EXECUTOR_SLOT);
      // Same request as the parent's DONE: same timestamp.
      const parentDone = (await eventsOf(ctx.owner, p2.key!)).find(
        (e) => e.asset.case === 'computeTask' && e.asset.value.status === S.STATUS_DONE,
      );
      expect(parentDone?.metadata).toEqual({ reason: 'done' });
      expect(childEvents[1]!.timestamp).toEqual(parentDone?.timestamp);
    });

    it('a child registered below a failed or canceled parent starts CANCELED', async () => {
      const b = await withNewPlan(bench);
      const failed = await registerTask(
        ctx.owner,
        seedTask({ plan: b.plan, fn: b.modelOnly, worker: ctx.topology.worker }),
      );
      const canceled = await registerTask(
        ctx.owner,
        seedTask({ plan: b.plan, fn: b.modelOnly, worker: ctx.topology.worker }),
      );
      await ctx.owner.task.applyTaskAction({ computeTaskKey: failed.key, action: A.TASK_ACTION_FAILED, log: 'boom' });
      await ctx.worker.task.applyTaskAction({ computeTaskKey: canceled.key, action: A.TASK_ACTION_CANCELED });
      for (const parent of [failed, canceled]) {
        const child = await registerTask(
          ctx.owner,
          aggregateTask({ plan: b.plan, fn: b.aggregate, parents: [parent.key], worker: ctx.topology.worker }),
        );
        expect(child.status).toBe(S.STATUS_CANCELED);
        expect(child.rank).toBe(1);
      }
      const failedEvents = await eventsOf(ctx.owner, failed.key);
      expect(failedEvents[1]?.metadata).toEqual({ reason: 'boom' });
      const canceledEvents = await eventsOf(ctx.owner, canceled.key);
      expect(canceledEvents[1]?.metadata).toEqual({ reason: 'User action' });
    });

    it('ApplyTaskAction: who may do what (OE0102), transitions from the right states only (OE0003)', async () => {
      const b = await withNewPlan(bench);
      const task = await registerTask(ctx.owner, trainTask({ plan: b.plan, fn: b.train, dataset: b.workerData }));
      const act = (client: typeof ctx.owner, action: ComputeTaskAction) =>
        client.task.applyTaskAction({ computeTaskKey: task.key, action, log: 'x' });
      // The owner is not the worker: it may cancel or fail, not run.
      await expectOrcError(act(ctx.owner, A.TASK_ACTION_EXECUTING), 'OE0102');
      await expectOrcError(act(ctx.owner, A.TASK_ACTION_DONE), 'OE0102');
      // Enum 0 is not an action (ARCHITECTURE §6: INVALID_ARGUMENT); build actions are not for clients (substra-behaviour §2.10).
      await expectOrcError(act(ctx.worker, A.TASK_ACTION_UNKNOWN), 'OE0101');
      await expectOrcError(act(ctx.worker, A.TASK_ACTION_BUILD_STARTED), 'OE0102');
      await expectOrcError(act(ctx.worker, A.TASK_ACTION_BUILD_FINISHED), 'OE0102');
      // Invalid transitions are FAILED_PRECONDITION with OE0003 (ARCHITECTURE §6), not UNKNOWN.
      await expectOrcError(act(ctx.worker, A.TASK_ACTION_DONE), 'OE0003');
      await expectOrcError(
        ctx.worker.task.applyTaskAction({ computeTaskKey: key(), action: A.TASK_ACTION_EXECUTING }),
        'OE0002',
      );
      await expectOrcError(
        ctx.worker.task.applyTaskAction({ computeTaskKey: 'bad', action: A.TASK_ACTION_EXECUTING }),
        'OE0101',
      );
      expect(await eventsOf(ctx.owner, task.key)).toHaveLength(1);

      await act(ctx.worker, A.TASK_ACTION_EXECUTING);
      await expectOrcError(act(ctx.worker, A.TASK_ACTION_EXECUTING), 'OE0003');
      await act(ctx.worker, A.TASK_ACTION_DONE);
      for (const action of [
        A.TASK_ACTION_CANCELED,
        A.TASK_ACTION_FAILED,
        A.TASK_ACTION_DONE,
        A.TASK_ACTION_EXECUTING,
      ]) {
        await expectOrcError(act(ctx.worker, action), 'OE0003');
      }
      const final = await ctx.owner.task.getTask({ key: task.key });
      expect(final.status).toBe(S.STATUS_DONE);
      const events = await eventsOf(ctx.owner, task.key);
      expect(events).toHaveLength(3);
      const done = events.find((e) => payload(e, 'computeTask').status === S.STATUS_DONE)!;
      // The directly acted task's event carries the full task, inputs and outputs included.
      expectMessage(ComputeTaskSchema, payload(done, 'computeTask'), final);
      expect(done.metadata).toEqual({ reason: 'x' });
    });

    it('GetTaskInputAssets: inputs resolved in order, only when the task may run (else OE0003)', async () => {
      const b = await withNewPlan(bench);
      const parent = await registerTask(ctx.owner, trainTask({ plan: b.plan, fn: b.train, dataset: b.workerData }));
      const child = await registerTask(
        ctx.owner,
        trainTask({ plan: b.plan, fn: b.train, dataset: b.ownerData, parents: [parent.key] }),
      );
      await expectOrcError(ctx.owner.task.getTaskInputAssets({ computeTaskKey: child.key }), 'OE0003');
      await expectOrcError(ctx.owner.task.getTaskInputAssets({ computeTaskKey: key() }), 'OE0002');

      const parentInputs = await ctx.worker.task.getTaskInputAssets({ computeTaskKey: parent.key });
      expect(parentInputs.assets.map((a) => [a.identifier, a.asset.case])).toEqual([
        ['opener', 'dataManager'],
        ...b.workerData.sampleKeys.map(() => ['datasamples', 'dataSample']),
      ]);
      expectMessage(DataManagerSchema, oneof(parentInputs.assets[0]?.asset, 'dataManager'), b.workerData.dataManager);
      expectMessage(DataSampleSchema, oneof(parentInputs.assets[1]?.asset, 'dataSample'), b.workerData.samples[0]);

      const model = await completeWithModel(ctx.worker, parent.key);
      const childInputs = await ctx.owner.task.getTaskInputAssets({ computeTaskKey: child.key });
      expect(childInputs.assets.map((a) => a.identifier)).toEqual([
        'opener',
        ...b.ownerData.sampleKeys.map(() => 'datasamples'),
        'models',
      ]);
      expectMessage(ModelSchema, oneof(childInputs.assets.at(-1)?.asset, 'model'), model);
      // FAILED tasks still expose their inputs (for debugging); DONE ones do not.
      await startTask(ctx.owner, child.key);
      expect((await ctx.owner.task.getTaskInputAssets({ computeTaskKey: child.key })).assets).toHaveLength(
        childInputs.assets.length,
      );
      await ctx.owner.task.applyTaskAction({ computeTaskKey: child.key, action: A.TASK_ACTION_FAILED });
      expect((await ctx.owner.task.getTaskInputAssets({ computeTaskKey: child.key })).assets).toHaveLength(
        childInputs.assets.length,
      );
      await expectOrcError(ctx.owner.task.getTaskInputAssets({ computeTaskKey: parent.key }), 'OE0003');
    });

    it('QueryTasks filters on plan, worker, status and function', async () => {
      const b = await withNewPlan(bench);
      const a = await registerTask(ctx.owner, trainTask({ plan: b.plan, fn: b.train, dataset: b.workerData }));
      const o = await registerTask(ctx.owner, trainTask({ plan: b.plan, fn: b.train, dataset: b.ownerData }));
      const s = await registerTask(ctx.owner, seedTask({ plan: b.plan, fn: b.modelOnly, worker: ctx.topology.worker }));
      await startTask(ctx.worker, a.key);
      const query = async (filter: Record<string, unknown>) =>
        (await ctx.worker.task.queryTasks({ filter: { computePlanKey: b.plan.key, ...filter } })).tasks
          .map((t) => t.key)
          .sort();
      expect(await query({})).toEqual([a.key, o.key, s.key].sort());
      expect(await query({ worker: ctx.topology.worker })).toEqual([a.key, s.key].sort());
      expect(await query({ status: S.STATUS_EXECUTING })).toEqual([a.key]);
      expect(await query({ functionKey: b.modelOnly.key })).toEqual([s.key]);
      expect(await query({ functionKey: b.train.key, worker: ctx.topology.owner })).toEqual([o.key]);
      const { tasks } = await ctx.worker.task.queryTasks({ filter: { computePlanKey: b.plan.key } });
      expectMessage(
        ComputeTaskSchema,
        tasks.find((t) => t.key === o.key),
        o,
      );
      await expectOrcError(ctx.owner.task.getTask({ key: key() }), 'OE0002');
      await expectOrcError(ctx.owner.task.queryTasks({ filter: { computePlanKey: 'nope' } }), 'OE0101');
    });

    describe('refused registrations write nothing', () => {
      const refuse = async (
        tasks: Parameters<typeof ctx.owner.task.registerTasks>[0],
        code: Parameters<typeof expectOrcError>[1],
        client = ctx.owner,
      ) => {
        await expectOrcError(client.task.registerTasks(tasks), code);
        for (const t of tasks?.tasks ?? []) {
          if (typeof t.key === 'string' && /^[0-9a-f-]{36}$/.test(t.key)) {
            await expectNothingWritten(ctx.owner, t.key, () => ctx.owner.task.getTask({ key: t.key! }));
          }
        }
      };

      it('an empty batch: FAILED_PRECONDITION (OE0003)', async () => {
        await refuse({ tasks: [] }, 'OE0003');
      });

      it('validation: malformed keys, inputs without a reference, blank output identifiers (OE0101)', async () => {
        const b = bench;
        const good = () => trainTask({ plan: b.plan, fn: b.train, dataset: b.ownerData });
        await refuse({ tasks: [good(), { ...good(), key: 'not-a-key' }] }, 'OE0101');
        await refuse({ tasks: [{ ...good(), functionKey: '' }] }, 'OE0101');
        await refuse({ tasks: [{ ...good(), computePlanKey: 'plan' }] }, 'OE0101');
        await refuse({ tasks: [{ ...good(), inputs: [{ identifier: 'opener' }] }] }, 'OE0101');
        await refuse({ tasks: [{ ...good(), outputs: { model: {} } }] }, 'OE0101');
        const twice = good();
        await refuse({ tasks: [twice, { ...good(), key: twice.key }] }, 'OE0101');
      });

      it('a batch with one bad task registers none of them', async () => {
        const b = await withNewPlan(bench);
        const ok1 = seedTask({ plan: b.plan, fn: b.modelOnly, worker: ctx.topology.worker });
        const ok2 = aggregateTask({ plan: b.plan, fn: b.aggregate, parents: [ok1.key!], worker: ctx.topology.worker });
        const bad = seedTask({ plan: b.plan, fn: b.modelOnly, worker: 'NoSuchOrgMSP' });
        await refuse({ tasks: [ok1, ok2, bad] }, 'OE0002');
        expect((await ctx.owner.task.queryTasks({ filter: { computePlanKey: b.plan.key } })).tasks).toEqual([]);
      });

      it('graph errors: a cycle or an unknown parent (OE0101)', async () => {
        const b = await withNewPlan(bench);
        const k1 = key();
        const k2 = key();
        await refuse(
          {
            tasks: [
              aggregateTask({ plan: b.plan, fn: b.aggregate, parents: [k2], worker: ctx.topology.worker, key: k1 }),
              aggregateTask({ plan: b.plan, fn: b.aggregate, parents: [k1], worker: ctx.topology.worker, key: k2 }),
            ],
          },
          'OE0101',
        );
        await refuse(
          { tasks: [aggregateTask({ plan: b.plan, fn: b.aggregate, parents: [key()], worker: ctx.topology.worker })] },
          'OE0101',
        );
      });

      it('references: unknown plan or function (OE0002), another organization’s plan (OE0102)', async () => {
        const b = await withNewPlan(bench);
        await refuse(
          { tasks: [seedTask({ plan: { ...b.plan, key: key() }, fn: b.modelOnly, worker: ctx.topology.worker })] },
          'OE0002',
        );
        await refuse(
          { tasks: [seedTask({ plan: b.plan, fn: { ...b.modelOnly, key: key() }, worker: ctx.topology.worker })] },
          'OE0002',
        );
        await refuse(
          { tasks: [seedTask({ plan: b.plan, fn: b.modelOnly, worker: ctx.topology.worker })] },
          'OE0102',
          ctx.worker,
        );
      });

      it('a function the owner may not process (OE0102)', async () => {
        const b = await withNewPlan(bench);
        const privateFn = await setupFunction(ctx.worker, 'model-only', {
          overrides: newFunction('model-only', { newPermissions: restrictedTo() }),
        });
        await refuse({ tasks: [seedTask({ plan: b.plan, fn: privateFn, worker: ctx.topology.worker })] }, 'OE0102');
      });

      it('workers: a worker contradicting the data owner, or no worker without data (OE0003)', async () => {
        const b = await withNewPlan(bench);
        await refuse(
          { tasks: [trainTask({ plan: b.plan, fn: b.train, dataset: b.workerData, worker: ctx.topology.owner })] },
          'OE0003',
        );
        await refuse({ tasks: [seedTask({ plan: b.plan, fn: b.modelOnly, worker: '' })] }, 'OE0003');
        // Naming the data owner explicitly is fine.
        const explicit = await registerTask(
          ctx.owner,
          trainTask({ plan: b.plan, fn: b.train, dataset: b.workerData, worker: ctx.topology.worker }),
        );
        expect(explicit.worker).toBe(ctx.topology.worker);
      });

      it('inputs and outputs checked against the function (OE0101)', async () => {
        const b = await withNewPlan(bench);
        const base = trainTask({ plan: b.plan, fn: b.train, dataset: b.ownerData });
        const parent = await registerTask(
          ctx.owner,
          predictTask({
            plan: b.plan,
            fn: b.predict,
            dataset: b.ownerData,
            parent: (await registerTask(ctx.owner, trainTask({ plan: b.plan, fn: b.train, dataset: b.ownerData }))).key,
          }),
        );
        const cases = [
          { ...base, key: key(), inputs: base.inputs!.filter((i) => i.identifier !== 'datasamples') }, // missing input
          { ...base, key: key(), inputs: [...base.inputs!, assetInput('unknown', key())] }, // undeclared input
          { ...base, key: key(), inputs: [...base.inputs!, assetInput('opener', b.ownerData.dataManager.key)] }, // duplicate non-multiple
          { ...base, key: key(), outputs: {} }, // missing output
          { ...base, key: key(), outputs: { ...base.outputs, extra: { permissions: { public: true } } } }, // undeclared output
          { ...base, key: key(), inputs: [...base.inputs!, parentOutput('models', parent.key, 'performance')] }, // kind mismatch
          { ...base, key: key(), inputs: [...base.inputs!, parentOutput('models', parent.key, 'nothing')] }, // unknown parent output
          { ...base, key: key(), inputs: [parentOutput('opener', parent.key), ...base.inputs!.slice(1)] }, // data manager by parent
        ];
        for (const task of cases) await refuse({ tasks: [task] }, 'OE0101');
        // A performance output must be public and not transient.
        const predict = predictTask({ plan: b.plan, fn: b.predict, dataset: b.ownerData, parent: parent.key });
        await refuse(
          { tasks: [{ ...predict, outputs: { performance: { permissions: { public: false }, transient: false } } }] },
          'OE0101',
        );
        await refuse(
          { tasks: [{ ...predict, outputs: { performance: { permissions: { public: true }, transient: true } } }] },
          'OE0101',
        );
      });

      it('data: samples of another data manager (OE0101), an unknown sample (OE0002), an unusable data manager (OE0102)', async () => {
        const b = await withNewPlan(bench);
        const mixed = trainTask({ plan: b.plan, fn: b.train, dataset: b.ownerData });
        mixed.inputs = [...mixed.inputs!, assetInput('datasamples', b.workerData.sampleKeys[0]!)];
        await refuse({ tasks: [mixed] }, 'OE0101');
        const ghost = trainTask({ plan: b.plan, fn: b.train, dataset: b.ownerData });
        ghost.inputs = [...ghost.inputs!, assetInput('datasamples', key())];
        await refuse({ tasks: [ghost] }, 'OE0002');
        const privateData = await ctx.worker.dataManager.registerDataManager({
          key: key(),
          name: 'private',
          newPermissions: restrictedTo(),
          description: { checksum: 'a'.repeat(64), storageAddress: `http://storage.example.com/${key()}` },
          opener: { checksum: 'b'.repeat(64), storageAddress: `http://storage.example.com/${key()}` },
          logsPermission: restrictedTo(),
        });
        const { dataSamples } = await ctx.worker.dataSample.registerDataSamples({
          samples: [{ key: key(), dataManagerKeys: [privateData.key], checksum: 'c'.repeat(64) }],
        });
        await refuse(
          {
            tasks: [
              trainTask({
                plan: b.plan,
                fn: b.train,
                dataset: { dataManager: privateData, samples: dataSamples, sampleKeys: dataSamples.map((s) => s.key) },
              }),
            ],
          },
          'OE0102',
        );
      });

      it('an existing task key (OE0006)', async () => {
        const b = await withNewPlan(bench);
        const existing = await registerTask(
          ctx.owner,
          seedTask({ plan: b.plan, fn: b.modelOnly, worker: ctx.topology.worker }),
        );
        const fresh = seedTask({ plan: b.plan, fn: b.modelOnly, worker: ctx.topology.worker });
        await expectOrcError(
          ctx.owner.task.registerTasks({
            tasks: [fresh, seedTask({ plan: b.plan, fn: b.modelOnly, worker: ctx.topology.worker, key: existing.key })],
          }),
          'OE0006',
        );
        await expectNothingWritten(ctx.owner, fresh.key!);
        expect(await eventsOf(ctx.owner, existing.key)).toHaveLength(1);
      });

      it('a parent model that was disabled (OE0101)', async () => {
        const b = await withNewPlan(bench);
        const parent = await registerTask(
          ctx.owner,
          seedTask({ plan: b.plan, fn: b.modelOnly, worker: ctx.topology.worker, transient: true }),
        );
        const child = await registerTask(
          ctx.owner,
          aggregateTask({ plan: b.plan, fn: b.aggregate, parents: [parent.key], worker: ctx.topology.worker }),
        );
        await completeWithModel(ctx.worker, parent.key);
        await completeWithModel(ctx.worker, child.key);
        await ctx.worker.task.disableOutput({ computeTaskKey: parent.key, identifier: 'model' });
        await refuse(
          {
            tasks: [
              aggregateTask({ plan: b.plan, fn: b.aggregate, parents: [parent.key], worker: ctx.topology.worker }),
            ],
          },
          'OE0101',
        );
      });
    });

    it('tasks may be registered into a terminated plan (Substra does not prevent it)', async () => {
      const plan = await setupPlan(ctx.owner);
      await ctx.owner.plan.applyPlanAction({ key: plan.key, action: ComputePlanAction.PLAN_ACTION_CANCELED });
      const task = await registerTask(ctx.owner, seedTask({ plan, fn: bench.modelOnly, worker: ctx.topology.worker }));
      expect(task.status).toBe(S.STATUS_WAITING_FOR_EXECUTOR_SLOT);
    });

    it('the worker runs a task; the owner may cancel a running task; CANCELED does not touch children', async () => {
      const b = await withNewPlan(bench);
      const parent = await registerTask(
        ctx.owner,
        seedTask({ plan: b.plan, fn: b.modelOnly, worker: ctx.topology.worker }),
      );
      const child = await registerTask(
        ctx.owner,
        aggregateTask({ plan: b.plan, fn: b.aggregate, parents: [parent.key], worker: ctx.topology.worker }),
      );
      await startTask(ctx.worker, parent.key);
      await registerModel(ctx.worker, parent.key);
      await ctx.owner.task.applyTaskAction({ computeTaskKey: parent.key, action: A.TASK_ACTION_CANCELED, log: 'stop' });
      expect((await ctx.owner.task.getTask({ key: parent.key })).status).toBe(S.STATUS_CANCELED);
      expect((await ctx.owner.task.getTask({ key: child.key })).status).toBe(S.STATUS_WAITING_FOR_PARENT_TASKS);
      expect((await ctx.owner.plan.getPlan({ key: b.plan.key })).failureDate).toBeUndefined();
      await expectOrcError(finishTask(ctx.worker, parent.key), 'OE0003');
      const expected = clone(ComputeTaskSchema, parent);
      expected.status = S.STATUS_CANCELED;
      expectMessage(ComputeTaskSchema, await ctx.owner.task.getTask({ key: parent.key }), expected);
    });

    it('a task keeps its registered shape through its life (GetTask == registration + status)', async () => {
      const b = await withNewPlan(bench);
      const registered: ComputeTask = await registerTask(
        ctx.owner,
        trainTask({ plan: b.plan, fn: b.train, dataset: b.workerData }),
      );
      await completeWithModel(ctx.worker, registered.key);
      const expected = clone(ComputeTaskSchema, registered);
      expected.status = S.STATUS_DONE;
      expectMessage(ComputeTaskSchema, await ctx.owner.task.getTask({ key: registered.key }), expected);
      const kinds = (await eventsOf(ctx.owner, registered.key)).map((e) => [e.eventKind, e.assetKind]);
      // task CREATED, EXECUTING, output asset CREATED (asset_key = task key), DONE.
      expect(kinds).toHaveLength(4);
      expect(kinds.filter(([, k]) => k === AssetKind.ASSET_COMPUTE_TASK_OUTPUT_ASSET)).toHaveLength(1);
    });
  });
}
