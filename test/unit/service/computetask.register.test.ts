import { create, equals } from '@bufbuild/protobuf';
import { describe, expect, it } from 'vitest';
import {
  ComputeTaskSchema,
  EventKind,
  GetTaskParamSchema,
  RegisterTasksParamSchema,
  type ComputeTask,
  type NewComputeTask,
} from '../../../lib/asset/index.js';
import { inp, ORG1, ORG2, ORG3, out, publicPerms, restrictedPerms, shapes, uuid, fin, fout } from './fixtures.js';
import { A, AssetKind, FunctionStatus, Harness, S, taskWorld } from './harness.js';

const register = (h: Harness, org: string, tasks: NewComputeTask[]) =>
  h.as(org).computeTask.registerTasks(create(RegisterTasksParamSchema, { tasks }));

describe('RegisterTasks: batch', () => {
  it('an empty batch is OE0003 "no task to register" (FAILED_PRECONDITION)', async () => {
    const { h } = await taskWorld();
    const err = await h.refused('OE0003', () => register(h, ORG1, []), 'no task to register');
    expect(err.status).toBe(9);
  });

  it('an invalid task is OE0101, and nothing of the batch is written', async () => {
    const w = await taskWorld();
    await w.h.refused('OE0101', () => register(w.h, ORG1, [w.root(), w.root({ key: 'NOT-A-UUID' })]));
  });

  it('an already registered key is OE0006 naming the first existing key', async () => {
    const w = await taskWorld();
    const [a, b] = [w.root(), w.root()];
    await register(w.h, ORG1, [a!, b!]);
    await w.h.refused(
      'OE0006',
      () => register(w.h, ORG1, [w.root(), w.root({ key: b!.key }), w.root({ key: a!.key })]),
      b!.key,
    );
  });

  it('registers parents first: response and CREATED events in topological order', async () => {
    const w = await taskWorld();
    const parent = w.root();
    const child = w.chain([parent.key]);
    const grandchild = w.chain([child.key, parent.key]);
    const mark = w.h.mark();
    const { tasks } = await register(w.h, ORG1, [grandchild, child, parent]);
    expect(tasks.map((t) => t.key)).toEqual([parent.key, child.key, grandchild.key]);
    const events = w.h.since(mark);
    expect(events.map((e) => [e.eventKind, e.assetKind, e.assetKey])).toEqual(
      tasks.map((t) => [EventKind.EVENT_ASSET_CREATED, AssetKind.ASSET_COMPUTE_TASK, t.key]),
    );
    for (const [i, e] of events.entries()) {
      expect(equals(ComputeTaskSchema, e.asset.value as ComputeTask, tasks[i]!)).toBe(true);
      const got = await w.h.as(ORG2).computeTask.getTask(create(GetTaskParamSchema, { key: tasks[i]!.key }));
      expect(equals(ComputeTaskSchema, got, tasks[i]!)).toBe(true);
    }
  });

  it('keeps request order among independent tasks', async () => {
    const w = await taskWorld();
    const batch = [w.root(), w.root(), w.root()];
    const { tasks } = await register(w.h, ORG1, batch);
    expect(tasks.map((t) => t.key)).toEqual(batch.map((t) => t.key));
  });

  it('accepts parents registered by an earlier request', async () => {
    const w = await taskWorld();
    const [parent] = await w.h.tasks(ORG1, w.root());
    const [child] = await w.h.tasks(ORG1, w.chain([parent!.key]));
    expect(child!.rank).toBe(1);
  });

  it('an unknown parent is OE0101 with the count of tasks that cannot be sorted', async () => {
    const w = await taskWorld();
    const orphan = w.chain([uuid()]);
    const below = w.chain([orphan.key]);
    await w.h.refused(
      'OE0101',
      () => register(w.h, ORG1, [w.root(), orphan, below]),
      'cyclic dependency in compute plan graph or unknown task parent, unsorted_tasks_count: 2',
    );
  });

  it('a cycle is OE0101 and nothing is written, not even the sortable tasks', async () => {
    const w = await taskWorld();
    const a = w.chain([]);
    const b = w.chain([a.key]);
    a.inputs.push(inp.parent('models', b.key));
    const self = w.chain([]);
    self.inputs.push(inp.parent('models', self.key));
    await w.h.refused('OE0101', () => register(w.h, ORG1, [w.root(), a, b]), 'unsorted_tasks_count: 2');
    await w.h.refused('OE0101', () => register(w.h, ORG1, [self]), 'unsorted_tasks_count: 1');
  });
});

describe('RegisterTasks: task fields', () => {
  it('sets owner, plan, function, creation date, metadata, inputs as given', async () => {
    const w = await taskWorld();
    const input = w.root({ metadata: { __tag__: 'x' } });
    const [task] = await w.h.tasks(ORG1, input);
    expect(task).toMatchObject({
      key: input.key,
      owner: ORG1,
      computePlanKey: w.plan.key,
      functionKey: w.fns.root.key,
      worker: ORG1,
      metadata: { __tag__: 'x' },
      rank: 0,
    });
    expect(task!.creationDate).toEqual(w.h.now());
    expect(task!.inputs).toEqual(input.inputs);
  });

  it('output permissions are built like asset permissions (owner appended, download = process); transient kept', async () => {
    const w = await taskWorld();
    const [task] = await w.h.tasks(ORG1, w.root({ outputs: { model: out(restrictedPerms(ORG2), true) } }));
    const output = task!.outputs['model']!;
    expect(output.transient).toBe(true);
    expect(output.permissions?.process).toMatchObject({ public: false, authorizedIds: [ORG2, ORG1] });
    expect(output.permissions?.download).toEqual(output.permissions?.process);
    await w.h.refused('OE0003', () =>
      register(w.h, ORG1, [w.root({ outputs: { model: out(restrictedPerms('NobodyMSP')) } })]),
    );
  });

  it('rank is 0 without parents, else max(parent ranks) + 1', async () => {
    const w = await taskWorld();
    const a = w.root();
    const b = w.chain([a.key]);
    const c = w.chain([b.key]);
    const d = w.chain([a.key, c.key]);
    const e = w.chain([a.key]);
    const { tasks } = await register(w.h, ORG1, [a, b, c, d, e]);
    expect(Object.fromEntries(tasks.map((t) => [t.key, t.rank]))).toEqual({
      [a.key]: 0,
      [b.key]: 1,
      [c.key]: 2,
      [d.key]: 3,
      [e.key]: 1,
    });
  });

  it('the plan must exist (OE0002) and belong to the requester (OE0102)', async () => {
    const w = await taskWorld();
    await w.h.refused('OE0002', () => register(w.h, ORG1, [w.root({ computePlanKey: uuid() })]));
    await w.h.refused(
      'OE0102',
      () => register(w.h, ORG2, [w.root()]),
      "Cannot register tasks to a compute plan you don't own",
    );
  });

  it('the function must exist (OE0002) and be processable by the owner (OE0102)', async () => {
    const w = await taskWorld();
    await w.h.refused('OE0002', () => register(w.h, ORG1, [w.root({ functionKey: uuid() })]));
    const privateFn = await w.h.fn(ORG2, { ...shapes.root(), newPermissions: restrictedPerms() }, FunctionStatus.READY);
    await w.h.refused(
      'OE0102',
      () => register(w.h, ORG1, [w.root({ functionKey: privateFn.key })]),
      'not authorized to process function',
    );
    const shared = await w.h.fn(
      ORG2,
      { ...shapes.root(), newPermissions: restrictedPerms(ORG1) },
      FunctionStatus.READY,
    );
    await register(w.h, ORG1, [w.root({ functionKey: shared.key })]);
  });
});

describe('RegisterTasks: initial status', () => {
  const cases: [FunctionStatus, number][] = [
    [FunctionStatus.WAITING, S.STATUS_WAITING_FOR_BUILDER_SLOT],
    [FunctionStatus.BUILDING, S.STATUS_BUILDING],
    [FunctionStatus.READY, S.STATUS_WAITING_FOR_EXECUTOR_SLOT],
    [FunctionStatus.FAILED, S.STATUS_FAILED],
    [FunctionStatus.CANCELED, S.STATUS_CANCELED],
  ];
  for (const [fnStatus, expected] of cases) {
    it(`function ${FunctionStatus[fnStatus]}, no parent → ${S[expected]}`, async () => {
      const w = await taskWorld();
      const fn = await w.h.fn(ORG1, shapes.root(), fnStatus);
      const [task] = await w.h.tasks(ORG1, w.root({ functionKey: fn.key }));
      expect(task!.status).toBe(expected);
    });
  }

  it('function READY: parents all DONE → executor slot; some parent not done (even in the batch) → waiting for parents', async () => {
    const w = await taskWorld();
    const [done] = await w.h.tasks(ORG1, w.root());
    await w.h.runToDone(ORG1, done!.key);
    const [pending] = await w.h.tasks(ORG1, w.root());
    const fresh = w.root();
    const { tasks } = await register(w.h, ORG1, [
      w.chain([done!.key]),
      w.chain([done!.key, pending!.key]),
      fresh,
      w.chain([fresh.key]),
    ]);
    expect(tasks.map((t) => t.status)).toEqual([
      S.STATUS_WAITING_FOR_EXECUTOR_SLOT,
      S.STATUS_WAITING_FOR_PARENT_TASKS,
      S.STATUS_WAITING_FOR_EXECUTOR_SLOT,
      S.STATUS_WAITING_FOR_PARENT_TASKS,
    ]);
  });

  for (const parentAction of [A.TASK_ACTION_FAILED, A.TASK_ACTION_CANCELED]) {
    for (const [fnStatus] of cases) {
      it(`a ${A[parentAction]} parent → CANCELED, whatever the function (${FunctionStatus[fnStatus]})`, async () => {
        const w = await taskWorld();
        const [parent] = await w.h.tasks(ORG1, w.root());
        const [other] = await w.h.tasks(ORG1, w.root());
        await w.h.runToDone(ORG1, other!.key);
        await w.h.taskAction(ORG1, parent!.key, parentAction);
        const fn = await w.h.fn(ORG1, shapes.chain(), fnStatus);
        const [task] = await w.h.tasks(ORG1, w.chain([other!.key, parent!.key], { functionKey: fn.key }));
        expect(task!.status).toBe(S.STATUS_CANCELED);
      });
    }
  }

  it('a child of a canceled parent in the same batch is canceled too', async () => {
    const w = await taskWorld();
    const canceledFn = await w.h.fn(ORG1, shapes.root(), FunctionStatus.CANCELED);
    const parent = w.root({ functionKey: canceledFn.key });
    const { tasks } = await register(w.h, ORG1, [w.chain([parent.key]), parent]);
    expect(tasks.map((t) => t.status)).toEqual([S.STATUS_CANCELED, S.STATUS_CANCELED]);
  });
});

describe('RegisterTasks: worker', () => {
  it('is the data manager owner when the function takes one', async () => {
    const w = await taskWorld();
    const [task] = await w.h.tasks(ORG1, w.train());
    expect(task!.worker).toBe(ORG2);
    const [explicit] = await w.h.tasks(ORG1, w.train({ worker: ORG2 }));
    expect(explicit!.worker).toBe(ORG2);
  });

  it('an explicit worker that is not the data manager owner is OE0003', async () => {
    const w = await taskWorld();
    await w.h.refused(
      'OE0003',
      () => register(w.h, ORG1, [w.train({ worker: ORG1 })]),
      'does not match data manager owner',
    );
  });

  it('without a data manager input the worker is required (OE0003) and must be a registered organization (OE0002)', async () => {
    const w = await taskWorld();
    await w.h.refused('OE0003', () => register(w.h, ORG1, [w.root({ worker: '' })]), 'Worker cannot be inferred');
    await w.h.refused('OE0002', () => register(w.h, ORG1, [w.root({ worker: 'NobodyMSP' })]));
    const [task] = await w.h.tasks(ORG1, w.root({ worker: ORG3 }));
    expect(task!.worker).toBe(ORG3);
  });

  it('a data manager input referenced through a parent output is OE0101', async () => {
    const w = await taskWorld();
    const [parent] = await w.h.tasks(ORG1, w.root());
    const task = w.train();
    task.inputs[0] = inp.parent('opener', parent!.key);
    await w.h.refused('OE0101', () => register(w.h, ORG1, [task]));
  });
});

describe('RegisterTasks: logs permission', () => {
  it("is the data manager's logs permission when the function takes one", async () => {
    const w = await taskWorld();
    const [task] = await w.h.tasks(ORG1, w.train());
    expect(task!.logsPermission).toEqual(w.dm.logsPermission);
    expect(task!.logsPermission).toMatchObject({ public: false, authorizedIds: [ORG3, ORG2] });
  });

  it('is the owner alone without parents, else the union with every parent logs permission', async () => {
    const w = await taskWorld();
    const trained = w.train();
    const root = w.root();
    const { tasks } = await register(w.h, ORG1, [trained, root, w.chain([trained.key, root.key])]);
    expect(tasks[1]!.logsPermission).toMatchObject({ public: false, authorizedIds: [ORG1] });
    expect(tasks[2]!.logsPermission).toMatchObject({ public: false, authorizedIds: [ORG1, ORG3, ORG2] });
  });

  it('is public when a parent logs permission is public', async () => {
    const w = await taskWorld();
    const publicLogs = await w.h.dataManager(ORG2, { logsPermission: publicPerms() });
    const [sample] = await w.h.samples(ORG2, [publicLogs.key]);
    const parent = w.train({ inputs: [inp.asset('opener', publicLogs.key), inp.asset('datasamples', sample!.key)] });
    const { tasks } = await register(w.h, ORG1, [parent, w.chain([parent.key])]);
    expect(tasks[1]!.logsPermission).toMatchObject({ public: true, authorizedIds: [] });
  });
});

describe('RegisterTasks: inputs against the function (substra-behaviour §2.7 step 10)', () => {
  it('an input the function does not declare is OE0101', async () => {
    const w = await taskWorld();
    await w.h.refused(
      'OE0101',
      () => register(w.h, ORG1, [w.root({ inputs: [inp.asset('nope', uuid())] })]),
      'unknown task input',
    );
  });

  it('an identifier repeats only for a multiple input', async () => {
    const w = await taskWorld();
    const [p1] = await w.h.tasks(ORG1, w.root());
    const [p2] = await w.h.tasks(ORG1, w.root());
    await register(w.h, ORG1, [w.chain([p1!.key, p2!.key])]); // `models` is multiple
    const task = w.train({ parent: p1!.key });
    task.inputs.push(inp.parent('model', p2!.key)); // `model` is not
    await w.h.refused('OE0101', () => register(w.h, ORG1, [task]), 'duplicate task input');
  });

  it('data samples must be given by asset key', async () => {
    const w = await taskWorld();
    const [parent] = await w.h.tasks(ORG1, w.root());
    const task = w.train();
    task.inputs[1] = inp.parent('datasamples', parent!.key);
    await w.h.refused('OE0101', () => register(w.h, ORG1, [task]));
  });

  it('the data manager must exist (OE0002) and be processable by the owner (OE0102)', async () => {
    const w = await taskWorld();
    await w.h.refused('OE0002', () =>
      register(w.h, ORG1, [
        w.train({ inputs: [inp.asset('opener', uuid()), inp.asset('datasamples', w.samples[0]!.key)] }),
      ]),
    );
    const closed = await w.h.dataManager(ORG2, { newPermissions: restrictedPerms() });
    const [s] = await w.h.samples(ORG2, [closed.key]);
    await w.h.refused(
      'OE0102',
      () =>
        register(w.h, ORG1, [w.train({ inputs: [inp.asset('opener', closed.key), inp.asset('datasamples', s!.key)] })]),
      'not authorized to process datamanager',
    );
    const shared = await w.h.dataManager(ORG2, { newPermissions: restrictedPerms(ORG1) });
    const [s2] = await w.h.samples(ORG2, [shared.key]);
    await register(w.h, ORG1, [
      w.train({ inputs: [inp.asset('opener', shared.key), inp.asset('datasamples', s2!.key)] }),
    ]);
  });

  it('every sample must exist (OE0002) and be linked to the data manager (OE0101)', async () => {
    const w = await taskWorld();
    const otherDm = await w.h.dataManager(ORG2);
    const [foreign] = await w.h.samples(ORG2, [otherDm.key]);
    const withSamples = (...keys: string[]) =>
      w.train({ inputs: [inp.asset('opener', w.dm.key), ...keys.map((k) => inp.asset('datasamples', k))] });
    await w.h.refused('OE0002', () => register(w.h, ORG1, [withSamples(w.samples[0]!.key, uuid())]));
    await w.h.refused(
      'OE0101',
      () => register(w.h, ORG1, [withSamples(w.samples[0]!.key, foreign!.key)]),
      'datasamples do not share a common manager',
    );
  });

  it('a model given by asset key must exist (OE0002) and be processable by the worker (OE0102)', async () => {
    const w = await taskWorld();
    const [restricted] = await w.h.tasks(ORG1, w.root({ outputs: { model: out(restrictedPerms()) } }));
    const [open] = await w.h.tasks(ORG1, w.root());
    const restrictedModel = await w.h.runToDone(ORG1, restricted!.key);
    const openModel = await w.h.runToDone(ORG1, open!.key);
    const byKey = (model: string) => w.chain([], { worker: ORG2, inputs: [inp.asset('models', model)] });
    await w.h.refused('OE0002', () => register(w.h, ORG1, [byKey(uuid())]));
    await w.h.refused('OE0102', () => register(w.h, ORG1, [byKey(restrictedModel.key)]));
    const [ok] = await w.h.tasks(ORG1, byKey(openModel.key));
    expect(ok!.rank).toBe(0);
    // The worker, not the owner, is checked: ORG1 may process its own model.
    await w.h.tasks(ORG1, w.chain([], { worker: ORG1, inputs: [inp.asset('models', restrictedModel.key)] }));
  });

  it("a parent output must be declared by the parent's function (OE0101)", async () => {
    const w = await taskWorld();
    const [parent] = await w.h.tasks(ORG1, w.root());
    await w.h.refused('OE0101', () =>
      register(w.h, ORG1, [w.chain([], { inputs: [inp.parent('models', parent!.key, 'nope')] })]),
    );
  });

  it('a parent output of another kind is OE0101 "mismatching task input asset kinds"', async () => {
    const w = await taskWorld();
    const [parent] = await w.h.tasks(ORG1, w.root());
    const [evaluation] = await w.h.tasks(ORG1, w.test(parent!.key));
    await w.h.refused(
      'OE0101',
      () => register(w.h, ORG1, [w.chain([], { inputs: [inp.parent('models', evaluation!.key, 'performance')] })]),
      'mismatching task input asset kinds',
    );
  });

  it('a multiple output cannot feed a non-multiple input (OE0101), but can feed a multiple one', async () => {
    const w = await taskWorld();
    const multi = await w.h.fn(ORG1, { outputs: { models: fout.model({ multiple: true }) } }, FunctionStatus.READY);
    const [parent] = await w.h.tasks(ORG1, w.root({ functionKey: multi.key, outputs: { models: out() } }));
    await w.h.refused('OE0101', () =>
      register(w.h, ORG1, [w.test(parent!.key, { inputs: [inp.parent('model', parent!.key, 'models')] })]),
    );
    await register(w.h, ORG1, [w.chain([], { inputs: [inp.parent('models', parent!.key, 'models')] })]);
  });

  it('the worker must be allowed to process the parent output (OE0102)', async () => {
    const w = await taskWorld();
    const [parent] = await w.h.tasks(ORG1, w.root({ outputs: { model: out(restrictedPerms(ORG3)) } }));
    await w.h.refused('OE0102', () => register(w.h, ORG1, [w.chain([parent!.key], { worker: ORG2 })]));
    await register(w.h, ORG1, [w.chain([parent!.key], { worker: ORG3 })]);
  });

  it('every non-optional input must be given (OE0101 "missing task input"); optional ones may be omitted', async () => {
    const w = await taskWorld();
    await w.h.refused('OE0101', () => register(w.h, ORG1, [w.test('', { inputs: [] })]), 'missing task input');
    const noSamples = w.train();
    noSamples.inputs = noSamples.inputs.filter((i) => i.identifier !== 'datasamples');
    await w.h.refused('OE0101', () => register(w.h, ORG1, [noSamples]), 'missing task input');
    await register(w.h, ORG1, [w.train(), w.chain([])]);
  });
});

describe('RegisterTasks: outputs against the function (substra-behaviour §2.7 step 11)', () => {
  it('an output the function does not declare is OE0101', async () => {
    const w = await taskWorld();
    await w.h.refused(
      'OE0101',
      () => register(w.h, ORG1, [w.root({ outputs: { model: out(), extra: out() } })]),
      'unknown task output',
    );
  });

  it('every function output must be declared (OE0101 "missing task output")', async () => {
    const w = await taskWorld();
    await w.h.refused('OE0101', () => register(w.h, ORG1, [w.root({ outputs: {} })]), 'missing task output');
  });

  it('a performance output must be public and not transient (OE0101)', async () => {
    const w = await taskWorld();
    const [parent] = await w.h.tasks(ORG1, w.root());
    await w.h.refused('OE0101', () =>
      register(w.h, ORG1, [w.test(parent!.key, { outputs: { performance: out(restrictedPerms(ORG2, ORG3)) } })]),
    );
    await w.h.refused('OE0101', () =>
      register(w.h, ORG1, [w.test(parent!.key, { outputs: { performance: out(publicPerms(), true) } })]),
    );
    await register(w.h, ORG1, [w.test(parent!.key)]);
  });

  it('a function with no output takes tasks with no output', async () => {
    const w = await taskWorld();
    const sink = await w.h.fn(
      ORG1,
      { inputs: { models: fin.model({ multiple: true, optional: true }) }, outputs: {} },
      FunctionStatus.READY,
    );
    const [task] = await w.h.tasks(ORG1, w.root({ functionKey: sink.key, outputs: {} }));
    expect(task!.outputs).toEqual({});
  });
});
