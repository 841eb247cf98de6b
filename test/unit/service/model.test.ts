import { create, equals } from '@bufbuild/protobuf';
import { describe, expect, it } from 'vitest';
import {
  ComputeTaskOutputAssetSchema,
  EventKind,
  GetComputeTaskModelsParamSchema,
  GetModelParamSchema,
  ModelSchema,
  RegisterModelsParamSchema,
  type ComputeTaskOutputAsset,
  type Model,
  type NewModel,
} from '../../../lib/asset/index.js';
import { fout, newModel, ORG1, ORG2, ORG3, out, restrictedPerms, uuid } from './fixtures.js';
import { A, AssetKind, FunctionStatus, Harness, S, taskWorld } from './harness.js';

const registerModels = (h: Harness, org: string, models: NewModel[]) =>
  h.as(org).model.registerModels(create(RegisterModelsParamSchema, { models }));

type World = Awaited<ReturnType<typeof taskWorld>>;

/** A root task of owner ORG1, worker ORG2, EXECUTING. */
async function executing(w: World, init: Parameters<World['root']>[0] = {}) {
  const [task] = await w.h.tasks(ORG1, w.root({ worker: ORG2, ...init }));
  await w.h.taskAction(ORG2, task!.key, A.TASK_ACTION_EXECUTING);
  return w.h.getTask(task!.key);
}

describe('RegisterModels', () => {
  it('stores the model with the output permissions, owner = worker, and records the output asset', async () => {
    const w = await taskWorld();
    const task = await executing(w, { outputs: { model: out(restrictedPerms(ORG2)) } });
    w.h.advance();
    const input = newModel(task.key);
    const mark = w.h.mark();
    const { models } = await registerModels(w.h, ORG2, [input]);
    const model = models[0]!;
    expect(model).toMatchObject({ key: input.key, computeTaskKey: task.key, owner: ORG2 });
    expect(model.address).toEqual(input.address);
    expect(model.permissions).toEqual(task.outputs['model']!.permissions);
    expect(model.creationDate).toEqual(w.h.now());

    const got = await w.h.as(ORG3).model.getModel(create(GetModelParamSchema, { key: model.key }));
    expect(equals(ModelSchema, got, model)).toBe(true);

    // CREATED/MODEL (key = model key), then CREATED/COMPUTE_TASK_OUTPUT_ASSET (key = task key).
    const events = w.h.since(mark);
    expect(events.map((e) => [e.eventKind, e.assetKind, e.assetKey])).toEqual([
      [EventKind.EVENT_ASSET_CREATED, AssetKind.ASSET_MODEL, model.key],
      [EventKind.EVENT_ASSET_CREATED, AssetKind.ASSET_COMPUTE_TASK_OUTPUT_ASSET, task.key],
    ]);
    expect(equals(ModelSchema, events[0]!.asset.value as Model, model)).toBe(true);
    expect(
      equals(
        ComputeTaskOutputAssetSchema,
        events[1]!.asset.value as ComputeTaskOutputAsset,
        create(ComputeTaskOutputAssetSchema, {
          computeTaskKey: task.key,
          computeTaskOutputIdentifier: 'model',
          assetKind: AssetKind.ASSET_MODEL,
          assetKey: model.key,
        }),
      ),
    ).toBe(true);
    // Registering outputs does not change the task status.
    expect(await w.h.status(task.key)).toBe(S.STATUS_EXECUTING);
  });

  it('RegisterModel (deprecated) registers a batch of one and returns the model', async () => {
    const w = await taskWorld();
    const task = await executing(w);
    const input = newModel(task.key);
    const model = await w.h.as(ORG2).model.registerModel(input);
    expect(model.key).toBe(input.key);
    const { models } = await w.h
      .as(ORG1)
      .model.getComputeTaskOutputModels(create(GetComputeTaskModelsParamSchema, { computeTaskKey: task.key }));
    expect(models.map((m) => m.key)).toEqual([input.key]);
  });

  it('an empty list is refused (OE0101; Substra crashed)', async () => {
    const w = await taskWorld();
    await w.h.refused('OE0101', () => registerModels(w.h, ORG2, []));
  });

  it('all models must be of the same task (OE0003)', async () => {
    const w = await taskWorld();
    const t1 = await executing(w);
    const t2 = await executing(w);
    await w.h.refused(
      'OE0003',
      () => registerModels(w.h, ORG2, [newModel(t1.key), newModel(t2.key)]),
      'All models should be part of the same task',
    );
  });

  it('the task must exist (OE0002); only its worker may register (OE0102)', async () => {
    const w = await taskWorld();
    const task = await executing(w);
    await w.h.refused('OE0002', () => registerModels(w.h, ORG2, [newModel(uuid())]));
    await w.h.refused('OE0102', () => registerModels(w.h, ORG1, [newModel(task.key)]));
  });

  it('only while the task is EXECUTING (OE0003)', async () => {
    const w = await taskWorld();
    const [waiting] = await w.h.tasks(ORG1, w.root({ worker: ORG2 }));
    await w.h.refused('OE0003', () => registerModels(w.h, ORG2, [newModel(waiting!.key)]));
    const done = await executing(w);
    await w.h.taskAction(ORG2, done.key, A.TASK_ACTION_DONE);
    await w.h.refused('OE0003', () => registerModels(w.h, ORG2, [newModel(done.key)]));
  });

  it('the task must declare the output (OE0106) and the function output must be a model (OE0107)', async () => {
    const w = await taskWorld();
    const mixed = await w.h.fn(
      ORG1,
      { outputs: { model: fout.model(), perf: fout.performance() } },
      FunctionStatus.READY,
    );
    const task = await executing(w, { functionKey: mixed.key, outputs: { model: out(), perf: out() } });
    await w.h.refused('OE0106', () => registerModels(w.h, ORG2, [newModel(task.key, 'nope')]));
    await w.h.refused('OE0107', () => registerModels(w.h, ORG2, [newModel(task.key, 'perf')]));
  });

  it('a unique output takes one model: a second one (same batch or later) is OE0006', async () => {
    const w = await taskWorld();
    const task = await executing(w);
    await w.h.refused(
      'OE0006',
      () => registerModels(w.h, ORG2, [newModel(task.key), newModel(task.key)]),
      'already has its unique output',
    );
    await registerModels(w.h, ORG2, [newModel(task.key)]);
    await w.h.refused('OE0006', () => registerModels(w.h, ORG2, [newModel(task.key)]));
  });

  it('a multiple output takes several models, recorded in registration order', async () => {
    const w = await taskWorld();
    const multi = await w.h.fn(ORG1, { outputs: { models: fout.model({ multiple: true }) } }, FunctionStatus.READY);
    const task = await executing(w, { functionKey: multi.key, outputs: { models: out() } });
    const batch = [newModel(task.key, 'models'), newModel(task.key, 'models')];
    const mark = w.h.mark();
    const { models } = await registerModels(w.h, ORG2, batch);
    await registerModels(w.h, ORG2, [newModel(task.key, 'models')]);
    expect(models.map((m) => m.key)).toEqual(batch.map((m) => m.key));
    expect(w.h.since(mark).map((e) => e.assetKind)).toEqual([
      AssetKind.ASSET_MODEL,
      AssetKind.ASSET_COMPUTE_TASK_OUTPUT_ASSET,
      AssetKind.ASSET_MODEL,
      AssetKind.ASSET_COMPUTE_TASK_OUTPUT_ASSET,
      AssetKind.ASSET_MODEL,
      AssetKind.ASSET_COMPUTE_TASK_OUTPUT_ASSET,
    ]);
  });

  it('a known model key is OE0006 (also within one batch: OE0101)', async () => {
    const w = await taskWorld();
    const multi = await w.h.fn(ORG1, { outputs: { models: fout.model({ multiple: true }) } }, FunctionStatus.READY);
    const task = await executing(w, { functionKey: multi.key, outputs: { models: out() } });
    const first = newModel(task.key, 'models');
    await registerModels(w.h, ORG2, [first]);
    await w.h.refused('OE0006', () => registerModels(w.h, ORG2, [newModel(task.key, 'models', { key: first.key })]));
    const dup = newModel(task.key, 'models');
    await w.h.refused('OE0101', () => registerModels(w.h, ORG2, [dup, newModel(task.key, 'models', { key: dup.key })]));
  });

  it('GetModel of an unknown key is OE0002', async () => {
    const w = await taskWorld();
    await w.h.refused('OE0002', () => w.h.as(ORG1).model.getModel(create(GetModelParamSchema, { key: uuid() })));
  });
});
