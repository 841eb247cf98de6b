import { create, equals } from '@bufbuild/protobuf';
import { describe, expect, it } from 'vitest';
import {
  DataManagerSchema,
  DataSampleSchema,
  DisableOutputParamSchema,
  EventKind,
  GetModelParamSchema,
  GetTaskInputAssetsParamSchema,
  ModelSchema,
  RegisterModelsParamSchema,
  type ComputeTaskStatus,
  type DataManager,
  type DataSample,
  type Model,
} from '../../../lib/asset/index.js';
import { fout, inp, newModel, ORG1, ORG2, ORG3, out, publicPerms, shapes, uuid } from './fixtures.js';
import { A, AssetKind, FunctionStatus, Harness, S, taskWorld } from './harness.js';

const inputAssets = (h: Harness, org: string, computeTaskKey: string) =>
  h.as(org).computeTask.getTaskInputAssets(create(GetTaskInputAssetsParamSchema, { computeTaskKey }));
const disable = (h: Harness, org: string, computeTaskKey: string, identifier = 'model') =>
  h.as(org).computeTask.disableOutput(create(DisableOutputParamSchema, { computeTaskKey, identifier }));

describe('GetTaskInputAssets', () => {
  it('resolves inputs in order: by asset key per the function input kind, by parent output per recorded kind', async () => {
    const w = await taskWorld();
    const [parent] = await w.h.tasks(ORG1, w.root({ worker: ORG2 }));
    const parentModel = await w.h.runToDone(ORG2, parent!.key);
    const [task] = await w.h.tasks(ORG1, w.train({ parent: parent!.key }));
    const { assets } = await inputAssets(w.h, ORG2, task!.key);
    expect(assets.map((a) => [a.identifier, a.asset.case])).toEqual([
      ['opener', 'dataManager'],
      ['datasamples', 'dataSample'],
      ['datasamples', 'dataSample'],
      ['model', 'model'],
    ]);
    expect(equals(DataManagerSchema, assets[0]!.asset.value as DataManager, w.dm)).toBe(true);
    expect(equals(DataSampleSchema, assets[1]!.asset.value as DataSample, w.samples[0]!)).toBe(true);
    expect(equals(DataSampleSchema, assets[2]!.asset.value as DataSample, w.samples[1]!)).toBe(true);
    expect(equals(ModelSchema, assets[3]!.asset.value as Model, parentModel)).toBe(true);
  });

  it('a model input by asset key returns that model', async () => {
    const w = await taskWorld();
    const [parent] = await w.h.tasks(ORG1, w.root());
    const model = await w.h.runToDone(ORG1, parent!.key);
    const [task] = await w.h.tasks(ORG1, w.chain([], { inputs: [inp.asset('models', model.key)] }));
    const { assets } = await inputAssets(w.h, ORG1, task!.key);
    expect(assets).toHaveLength(1);
    expect(assets[0]!.identifier).toBe('models');
    expect(equals(ModelSchema, assets[0]!.asset.value as Model, model)).toBe(true);
  });

  it('a parent output yields every asset registered on it, in registration order; none when nothing was registered', async () => {
    const w = await taskWorld();
    const multi = await w.h.fn(ORG1, { outputs: { models: fout.model({ multiple: true }) } }, FunctionStatus.READY);
    const [p1] = await w.h.tasks(ORG1, w.root({ functionKey: multi.key, outputs: { models: out() } }));
    const [p2] = await w.h.tasks(ORG1, w.root());
    await w.h.taskAction(ORG1, p1!.key, A.TASK_ACTION_EXECUTING);
    const batch = [newModel(p1!.key, 'models'), newModel(p1!.key, 'models')];
    await w.h.as(ORG1).model.registerModels(create(RegisterModelsParamSchema, { models: batch }));
    const later = newModel(p1!.key, 'models');
    await w.h.as(ORG1).model.registerModels(create(RegisterModelsParamSchema, { models: [later] }));
    await w.h.taskAction(ORG1, p1!.key, A.TASK_ACTION_DONE);
    await w.h.taskAction(ORG1, p2!.key, A.TASK_ACTION_EXECUTING);
    await w.h.taskAction(ORG1, p2!.key, A.TASK_ACTION_DONE); // no model registered
    const [task] = await w.h.tasks(
      ORG1,
      w.chain([], { inputs: [inp.parent('models', p2!.key), inp.parent('models', p1!.key, 'models')] }),
    );
    const { assets } = await inputAssets(w.h, ORG1, task!.key);
    expect(assets.map((a) => [a.identifier, (a.asset.value as Model).key])).toEqual(
      [...batch, later].map((m) => ['models', m.key]),
    );
  });

  const statuses: [string, ComputeTaskStatus, boolean][] = [
    ['WAITING_FOR_BUILDER_SLOT', S.STATUS_WAITING_FOR_BUILDER_SLOT, false],
    ['BUILDING', S.STATUS_BUILDING, false],
    ['WAITING_FOR_PARENT_TASKS', S.STATUS_WAITING_FOR_PARENT_TASKS, false],
    ['WAITING_FOR_EXECUTOR_SLOT', S.STATUS_WAITING_FOR_EXECUTOR_SLOT, true],
    ['EXECUTING', S.STATUS_EXECUTING, true],
    ['DONE', S.STATUS_DONE, false],
    ['CANCELED', S.STATUS_CANCELED, false],
    ['FAILED', S.STATUS_FAILED, true],
  ];
  for (const [name, status, allowed] of statuses) {
    it(`${name}: ${allowed ? 'answered' : 'OE0003'}`, async () => {
      const w = await taskWorld();
      let key: string;
      if (status === S.STATUS_WAITING_FOR_BUILDER_SLOT || status === S.STATUS_BUILDING) {
        const fn = await w.h.fn(
          ORG1,
          shapes.train(),
          status === S.STATUS_BUILDING ? FunctionStatus.BUILDING : FunctionStatus.WAITING,
        );
        key = (await w.h.tasks(ORG1, w.train({ functionKey: fn.key })))[0]!.key;
      } else if (status === S.STATUS_WAITING_FOR_PARENT_TASKS) {
        const [p] = await w.h.tasks(ORG1, w.root());
        key = (await w.h.tasks(ORG1, w.train({ parent: p!.key })))[0]!.key;
      } else {
        key = (await w.h.tasks(ORG1, w.train()))[0]!.key;
        if (status !== S.STATUS_WAITING_FOR_EXECUTOR_SLOT) await w.h.taskAction(ORG2, key, A.TASK_ACTION_EXECUTING);
        if (status === S.STATUS_DONE) await w.h.taskAction(ORG2, key, A.TASK_ACTION_DONE);
        if (status === S.STATUS_CANCELED) await w.h.taskAction(ORG2, key, A.TASK_ACTION_CANCELED);
        if (status === S.STATUS_FAILED) await w.h.taskAction(ORG2, key, A.TASK_ACTION_FAILED);
      }
      expect(await w.h.status(key)).toBe(status);
      if (allowed) {
        expect((await inputAssets(w.h, ORG2, key)).assets).toHaveLength(3);
      } else {
        await w.h.refused('OE0003', () => inputAssets(w.h, ORG2, key), 'Task inputs may not be defined');
      }
    });
  }

  it('an unknown task is OE0002', async () => {
    const w = await taskWorld();
    await w.h.refused('OE0002', () => inputAssets(w.h, ORG1, uuid()));
  });
});

describe('DisableOutput', () => {
  /** Parent (worker ORG2, transient model output) DONE with one model, one child (worker ORG3) DONE. */
  async function setup(opts: { transient?: boolean; childStatus?: 'done' | 'waiting' | 'none' | 'canceled' } = {}) {
    const w = await taskWorld();
    const [parent] = await w.h.tasks(
      ORG1,
      w.root({ worker: ORG2, outputs: { model: out(publicPerms(), opts.transient ?? true) } }),
    );
    const model = await w.h.runToDone(ORG2, parent!.key);
    const status = opts.childStatus ?? 'done';
    let child: string | undefined;
    if (status !== 'none') {
      child = (await w.h.tasks(ORG1, w.chain([parent!.key], { worker: ORG3 })))[0]!.key;
      if (status === 'done') await w.h.runToDone(ORG3, child);
      if (status === 'canceled') await w.h.taskAction(ORG1, child, A.TASK_ACTION_CANCELED);
    }
    return { ...w, parent: parent!, model, child };
  }

  it('clears the model address (model kept), emits DISABLED/MODEL; repeating is a no-op', async () => {
    const { h, parent, model } = await setup();
    const mark = h.mark();
    await disable(h, ORG2, parent.key);
    const got = await h.as(ORG1).model.getModel(create(GetModelParamSchema, { key: model.key }));
    expect(got.address).toBeUndefined();
    expect(got.key).toBe(model.key);
    const events = h.since(mark);
    expect(events.map((e) => [e.eventKind, e.assetKind, e.assetKey])).toEqual([
      [EventKind.EVENT_ASSET_DISABLED, AssetKind.ASSET_MODEL, model.key],
    ]);
    expect(equals(ModelSchema, events[0]!.asset.value as Model, got)).toBe(true);

    const before = h.state();
    await disable(h, ORG2, parent.key);
    expect(h.since(mark)).toHaveLength(1);
    expect(h.state()).toEqual(before);
  });

  it('a canceled child counts as final', async () => {
    const { h, parent } = await setup({ childStatus: 'canceled' });
    await disable(h, ORG2, parent.key);
  });

  it('then a new child of that parent is refused: OE0101 "has been disabled"', async () => {
    const w = await setup();
    await disable(w.h, ORG2, w.parent.key);
    await w.h.refused(
      'OE0101',
      () => w.h.tasks(ORG1, w.chain([w.parent.key], { worker: ORG3 })),
      `Model "${w.model.key}" has been disabled`,
    );
  });

  it('worker only (OE0102)', async () => {
    const { h, parent } = await setup();
    await h.refused('OE0102', () => disable(h, ORG1, parent.key));
    await h.refused('OE0102', () => disable(h, ORG3, parent.key));
  });

  it('every OE0108 precondition (FAILED_PRECONDITION)', async () => {
    // task not in a final state
    {
      const w = await taskWorld();
      const [t] = await w.h.tasks(ORG1, w.root({ worker: ORG2, outputs: { model: out(publicPerms(), true) } }));
      await w.h.taskAction(ORG2, t!.key, A.TASK_ACTION_EXECUTING);
      const err = await w.h.refused('OE0108', () => disable(w.h, ORG2, t!.key), 'task not in final state');
      expect(err.status).toBe(9);
    }
    // unknown output, non-transient output
    {
      const { h, parent } = await setup({ transient: false });
      await h.refused('OE0108', () => disable(h, ORG2, parent.key, 'nope'));
      await h.refused('OE0108', () => disable(h, ORG2, parent.key), 'output is not transient');
    }
    // nothing registered on the output
    {
      const w = await taskWorld();
      const [t] = await w.h.tasks(ORG1, w.root({ worker: ORG2, outputs: { model: out(publicPerms(), true) } }));
      await w.h.taskAction(ORG2, t!.key, A.TASK_ACTION_EXECUTING);
      await w.h.taskAction(ORG2, t!.key, A.TASK_ACTION_DONE);
      await w.h.tasks(ORG1, w.chain([t!.key]));
      await w.h.refused('OE0108', () => disable(w.h, ORG2, t!.key));
    }
    // no children
    {
      const { h, parent } = await setup({ childStatus: 'none' });
      await h.refused('OE0108', () => disable(h, ORG2, parent.key), 'cannot disable output of a task with no children');
    }
    // a child not in a final state
    {
      const { h, parent } = await setup({ childStatus: 'waiting' });
      await h.refused('OE0108', () => disable(h, ORG2, parent.key));
    }
  });

  it('an unknown task is OE0002; a blank identifier OE0101', async () => {
    const w = await taskWorld();
    await w.h.refused('OE0002', () => disable(w.h, ORG2, uuid()));
    await w.h.refused('OE0101', () => disable(w.h, ORG2, uuid(), ''));
  });
});
