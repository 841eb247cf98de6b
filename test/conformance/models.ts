// Models and task outputs (substra-behaviour §2.7 DisableOutput, §2.8): registration by the worker, output rules, disabling.
import { clone, create } from '@bufbuild/protobuf';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  AssetKind,
  ComputeTaskAction,
  ComputeTaskOutputAssetSchema,
  ComputeTaskStatus,
  EventKind,
  ModelSchema,
} from '../../lib/asset/index.js';
import {
  createdEvent,
  eventsOf,
  expectEventMeta,
  expectMessage,
  expectMicros,
  expectNothingWritten,
  expectOrcError,
  payload,
} from './assertions.js';
import type { ConformanceContext } from './context.js';
import {
  addressable,
  aggregateTask,
  completeWithModel,
  finishTask,
  key,
  predictTask,
  registerModel,
  registerTask,
  seedTask,
  setupBench,
  setupFunction,
  startTask,
  trainTask,
  withNewPlan,
  type Bench,
} from './fixtures.js';

export function modelScenarios(ctx: ConformanceContext): void {
  describe('models', () => {
    let bench: Bench;
    beforeAll(async () => {
      bench = await setupBench(ctx.owner, ctx.worker);
    });

    it('RegisterModels: response == GetModel == CREATED payload, plus an output-asset event keyed by the task', async () => {
      const b = await withNewPlan(bench);
      const task = await registerTask(ctx.owner, trainTask({ plan: b.plan, fn: b.train, dataset: b.workerData }));
      await startTask(ctx.worker, task.key);
      const input = {
        key: key(),
        computeTaskKey: task.key,
        computeTaskOutputIdentifier: 'model',
        address: addressable(),
      };
      const { models } = await ctx.worker.model.registerModels({ models: [input] });
      const model = models[0]!;
      expect(model).toMatchObject({ key: input.key, computeTaskKey: task.key, owner: ctx.topology.worker });
      expect(model.address).toMatchObject(input.address);
      // The model takes the permissions of the task output it fills.
      expect(model.permissions).toEqual(task.outputs.model?.permissions);
      expectMicros(model.creationDate);
      expectMessage(ModelSchema, await ctx.owner.model.getModel({ key: model.key }), model);
      const byTask = await ctx.owner.model.getComputeTaskOutputModels({ computeTaskKey: task.key });
      expect(byTask.models).toHaveLength(1);
      expectMessage(ModelSchema, byTask.models[0], model);

      const event = await createdEvent(ctx.owner, model.key, 'model');
      expectEventMeta(event, ctx.channel);
      expect(event.assetKind).toBe(AssetKind.ASSET_MODEL);
      expectMessage(ModelSchema, payload(event, 'model'), model);

      // Substra's e2e count: task CREATED, task UPDATED (executing), output asset CREATED — all keyed by the task.
      const taskEvents = await eventsOf(ctx.owner, task.key);
      expect(taskEvents).toHaveLength(3);
      const output = taskEvents.find((e) => e.assetKind === AssetKind.ASSET_COMPUTE_TASK_OUTPUT_ASSET);
      expect(output?.eventKind).toBe(EventKind.EVENT_ASSET_CREATED);
      expect(output?.timestamp).toEqual(event.timestamp);
      expectMessage(
        ComputeTaskOutputAssetSchema,
        payload(output!, 'computeTaskOutputAsset'),
        create(ComputeTaskOutputAssetSchema, {
          computeTaskKey: task.key,
          computeTaskOutputIdentifier: 'model',
          assetKind: AssetKind.ASSET_MODEL,
          assetKey: model.key,
        }),
      );
      // Registering outputs does not finish the task.
      expect((await ctx.owner.task.getTask({ key: task.key })).status).toBe(ComputeTaskStatus.STATUS_EXECUTING);
    });

    it('RegisterModel (deprecated single form) still works; a multiple output takes several models', async () => {
      const fn = await setupFunction(ctx.owner, 'model-only', {
        overrides: { outputs: { model: { kind: AssetKind.ASSET_MODEL, multiple: true } } },
      });
      const b = await withNewPlan(bench);
      const task = await registerTask(ctx.owner, seedTask({ plan: b.plan, fn, worker: ctx.topology.worker }));
      await startTask(ctx.worker, task.key);
      const single = await ctx.worker.model.registerModel({
        key: key(),
        computeTaskKey: task.key,
        computeTaskOutputIdentifier: 'model',
        address: addressable(),
      });
      expectMessage(ModelSchema, await ctx.worker.model.getModel({ key: single.key }), single);
      const { models } = await ctx.worker.model.registerModels({
        models: [0, 1].map(() => ({
          key: key(),
          computeTaskKey: task.key,
          computeTaskOutputIdentifier: 'model',
          address: addressable(),
        })),
      });
      expect(models).toHaveLength(2);
      const all = await ctx.owner.model.getComputeTaskOutputModels({ computeTaskKey: task.key });
      expect(all.models.map((m) => m.key).sort()).toEqual([single.key, ...models.map((m) => m.key)].sort());
    });

    describe('refused registrations write nothing', () => {
      let taskKey: string;
      let predictKey: string;
      beforeAll(async () => {
        const b = await withNewPlan(bench);
        const train = await registerTask(ctx.owner, trainTask({ plan: b.plan, fn: b.train, dataset: b.workerData }));
        taskKey = train.key;
        const predict = await registerTask(
          ctx.owner,
          predictTask({ plan: b.plan, fn: b.predict, dataset: b.workerData, parent: train.key }),
        );
        predictKey = predict.key;
      });

      const attempt = (client: typeof ctx.owner, overrides: Record<string, unknown> = {}) => {
        const model = {
          key: key(),
          computeTaskKey: taskKey,
          computeTaskOutputIdentifier: 'model',
          address: addressable(),
          ...overrides,
        };
        return { model, call: client.model.registerModels({ models: [model] }) };
      };

      it('a task that is not EXECUTING (OE0003), a non-worker (OE0102), an unknown task (OE0002)', async () => {
        const early = attempt(ctx.worker);
        await expectOrcError(early.call, 'OE0003');
        await expectNothingWritten(ctx.owner, early.model.key, () =>
          ctx.owner.model.getModel({ key: early.model.key }),
        );
        await startTask(ctx.worker, taskKey);
        const stranger = attempt(ctx.owner);
        await expectOrcError(stranger.call, 'OE0102');
        await expectNothingWritten(ctx.owner, stranger.model.key);
        const ghost = attempt(ctx.worker, { computeTaskKey: key() });
        await expectOrcError(ghost.call, 'OE0002');
        await expectNothingWritten(ctx.owner, ghost.model.key);
      });

      it('an output the task does not declare (OE0106)', async () => {
        const missing = attempt(ctx.worker, { computeTaskOutputIdentifier: 'weights' });
        await expectOrcError(missing.call, 'OE0106');
        await expectNothingWritten(ctx.owner, missing.model.key);
        // The predict task is not running yet: its status is checked before its outputs.
        await expectOrcError(
          attempt(ctx.worker, { computeTaskKey: predictKey, computeTaskOutputIdentifier: 'performance' }).call,
          'OE0003',
        );
      });

      it('validation (OE0101): empty list, malformed keys, no address, a key repeated in the batch', async () => {
        await expectOrcError(ctx.worker.model.registerModels({ models: [] }), 'OE0101');
        await expectOrcError(attempt(ctx.worker, { key: 'm1' }).call, 'OE0101');
        await expectOrcError(attempt(ctx.worker, { address: undefined }).call, 'OE0101');
        await expectOrcError(attempt(ctx.worker, { computeTaskOutputIdentifier: '' }).call, 'OE0101');
        const k = key();
        const twice = { key: k, computeTaskKey: taskKey, computeTaskOutputIdentifier: 'model', address: addressable() };
        await expectOrcError(
          ctx.worker.model.registerModels({ models: [twice, { ...twice, address: addressable() }] }),
          'OE0101',
        );
        await expectNothingWritten(ctx.owner, k);
      });

      it('models of different tasks in one batch (OE0003)', async () => {
        const other = await registerTask(
          ctx.owner,
          seedTask({ plan: (await withNewPlan(bench)).plan, fn: bench.modelOnly, worker: ctx.topology.worker }),
        );
        await startTask(ctx.worker, other.key);
        const a = { key: key(), computeTaskKey: taskKey, computeTaskOutputIdentifier: 'model', address: addressable() };
        const b = {
          key: key(),
          computeTaskKey: other.key,
          computeTaskOutputIdentifier: 'model',
          address: addressable(),
        };
        await expectOrcError(ctx.worker.model.registerModels({ models: [a, b] }), 'OE0003');
        await expectNothingWritten(ctx.owner, a.key);
        await expectNothingWritten(ctx.owner, b.key);
      });

      it('a second model on a single output (OE0006), an existing model key (OE0006)', async () => {
        const first = await registerModel(ctx.worker, taskKey);
        const second = attempt(ctx.worker);
        await expectOrcError(second.call, 'OE0006');
        await expectNothingWritten(ctx.owner, second.model.key);
        const { models } = await ctx.owner.model.getComputeTaskOutputModels({ computeTaskKey: taskKey });
        expect(models.map((m) => m.key)).toEqual([first.key]);
        // Two models for one single output in one batch: the second is refused, and so is the whole batch.
        const b = await withNewPlan(bench);
        const fresh = await registerTask(
          ctx.owner,
          seedTask({ plan: b.plan, fn: bench.modelOnly, worker: ctx.topology.worker }),
        );
        await startTask(ctx.worker, fresh.key);
        const m1 = {
          key: key(),
          computeTaskKey: fresh.key,
          computeTaskOutputIdentifier: 'model',
          address: addressable(),
        };
        const m2 = { ...m1, key: key(), address: addressable() };
        await expectOrcError(ctx.worker.model.registerModels({ models: [m1, m2] }), 'OE0006');
        await expectNothingWritten(ctx.owner, m1.key);
        const reused = { ...m1, key: first.key, address: addressable() };
        await expectOrcError(ctx.worker.model.registerModels({ models: [reused] }), 'OE0006');
        expectMessage(ModelSchema, await ctx.owner.model.getModel({ key: first.key }), first);
      });
    });

    it('a model registered on a performance output is refused with OE0107', async () => {
      const fn = await setupFunction(ctx.owner, 'metrics');
      const b = await withNewPlan(bench);
      const parent = await registerTask(
        ctx.owner,
        seedTask({ plan: b.plan, fn: b.modelOnly, worker: ctx.topology.worker }),
      );
      await completeWithModel(ctx.worker, parent.key);
      const metrics = await registerTask(ctx.owner, {
        key: key(),
        functionKey: fn.key,
        computePlanKey: b.plan.key,
        worker: ctx.topology.worker,
        inputs: [
          {
            identifier: 'model',
            ref: { case: 'parentTaskOutput', value: { parentTaskKey: parent.key, outputIdentifier: 'model' } },
          },
        ],
        outputs: Object.fromEntries(
          ['accuracy', 'loss', 'auc'].map((id) => [id, { permissions: { public: true }, transient: false }]),
        ),
      });
      await startTask(ctx.worker, metrics.key);
      const model = {
        key: key(),
        computeTaskKey: metrics.key,
        computeTaskOutputIdentifier: 'accuracy',
        address: addressable(),
      };
      await expectOrcError(ctx.worker.model.registerModels({ models: [model] }), 'OE0107');
      await expectNothingWritten(ctx.owner, model.key);
    });

    describe('DisableOutput', () => {
      it('disables the models of a transient output once the task and its children are final', async () => {
        const b = await withNewPlan(bench);
        const parent = await registerTask(
          ctx.owner,
          seedTask({ plan: b.plan, fn: b.modelOnly, worker: ctx.topology.worker, transient: true }),
        );
        const child = await registerTask(
          ctx.owner,
          aggregateTask({ plan: b.plan, fn: b.aggregate, parents: [parent.key], worker: ctx.topology.worker }),
        );
        const disable = (client = ctx.worker, identifier = 'model') =>
          client.task.disableOutput({ computeTaskKey: parent.key, identifier });
        await startTask(ctx.worker, parent.key);
        const model = await registerModel(ctx.worker, parent.key);
        // Not final yet.
        await expectOrcError(disable(), 'OE0108');
        await finishTask(ctx.worker, parent.key);
        // A child still waiting.
        await expectOrcError(disable(), 'OE0108');
        await completeWithModel(ctx.worker, child.key);
        // Only the worker may disable; the output must exist.
        await expectOrcError(disable(ctx.owner), 'OE0102');
        await expectOrcError(disable(ctx.worker, 'nothing'), 'OE0108');
        await expectOrcError(ctx.worker.task.disableOutput({ computeTaskKey: key(), identifier: 'model' }), 'OE0002');
        expect((await eventsOf(ctx.owner, model.key)).map((e) => e.eventKind)).toEqual([EventKind.EVENT_ASSET_CREATED]);

        await disable();
        const disabled = await ctx.owner.model.getModel({ key: model.key });
        // A disabled model is kept, without its address.
        expect(disabled.address).toBeUndefined();
        const expected = clone(ModelSchema, model);
        expected.address = undefined;
        expectMessage(ModelSchema, disabled, expected);
        const events = await eventsOf(ctx.owner, model.key);
        expect(events.map((e) => e.eventKind)).toEqual([EventKind.EVENT_ASSET_CREATED, EventKind.EVENT_ASSET_DISABLED]);
        expectMessage(ModelSchema, payload(events[1]!, 'model'), disabled);
      });

      it('refuses outputs that are not transient, have no model, or feed no task (OE0108)', async () => {
        const b = await withNewPlan(bench);
        // Not transient.
        const kept = await registerTask(
          ctx.owner,
          seedTask({ plan: b.plan, fn: b.modelOnly, worker: ctx.topology.worker }),
        );
        const keptChild = await registerTask(
          ctx.owner,
          aggregateTask({ plan: b.plan, fn: b.aggregate, parents: [kept.key], worker: ctx.topology.worker }),
        );
        await completeWithModel(ctx.worker, kept.key);
        await completeWithModel(ctx.worker, keptChild.key);
        await expectOrcError(
          ctx.worker.task.disableOutput({ computeTaskKey: kept.key, identifier: 'model' }),
          'OE0108',
        );
        // Transient but no child.
        const lonely = await registerTask(
          ctx.owner,
          seedTask({ plan: b.plan, fn: b.modelOnly, worker: ctx.topology.worker, transient: true }),
        );
        await completeWithModel(ctx.worker, lonely.key);
        await expectOrcError(
          ctx.worker.task.disableOutput({ computeTaskKey: lonely.key, identifier: 'model' }),
          'OE0108',
        );
        // Transient, final (canceled) but no model registered.
        const empty = await registerTask(
          ctx.owner,
          seedTask({ plan: b.plan, fn: b.modelOnly, worker: ctx.topology.worker, transient: true }),
        );
        await registerTask(
          ctx.owner,
          aggregateTask({ plan: b.plan, fn: b.aggregate, parents: [empty.key], worker: ctx.topology.worker }),
        );
        await ctx.owner.task.applyTaskAction({
          computeTaskKey: empty.key,
          action: ComputeTaskAction.TASK_ACTION_CANCELED,
        });
        await expectOrcError(
          ctx.worker.task.disableOutput({ computeTaskKey: empty.key, identifier: 'model' }),
          'OE0108',
        );
      });
    });
  });
}
