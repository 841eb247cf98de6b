import { create, equals } from '@bufbuild/protobuf';
import { describe, expect, it } from 'vitest';
import {
  AddressableSchema,
  ApplyFunctionActionParamSchema,
  EventKind,
  FunctionSchema,
  GetFunctionParamSchema,
  UpdateFunctionParamSchema,
  type Function as OrcFunction,
} from '../../../lib/asset/index.js';
import {
  addressable,
  inp,
  newFunction,
  ORG1,
  ORG2,
  ORG3,
  publicPerms,
  restrictedPerms,
  shapes,
  uuid,
} from './fixtures.js';
import { A, AssetKind, FunctionAction, FunctionStatus, Harness, S } from './harness.js';

const F = FunctionStatus;
const FA = FunctionAction;

async function world(): Promise<Harness> {
  const h = new Harness();
  await h.orgs(ORG1, ORG2, ORG3);
  return h;
}

describe('RegisterFunction', () => {
  it('stores WAITING, an empty image that is present, the requester as owner and the transaction time', async () => {
    const h = await world();
    const input = newFunction({ metadata: { a: 'b' }, ...shapes.train() });
    const fn = await h.as(ORG1).function.registerFunction(input);
    expect(fn.status).toBe(F.WAITING);
    expect(fn.image).toBeDefined();
    expect(equals(AddressableSchema, fn.image!, create(AddressableSchema))).toBe(true);
    expect(fn.owner).toBe(ORG1);
    expect(fn.creationDate).toEqual(h.now());
    expect(fn.inputs).toEqual(input.inputs);
    expect(fn.outputs).toEqual(input.outputs);
    expect(fn.metadata).toEqual({ a: 'b' });
    expect(fn.description).toEqual(input.description);
    expect(fn.archive).toEqual(input.archive);
  });

  it('appends the owner to authorized ids even when public; download equals process', async () => {
    const h = await world();
    const pub = await h.as(ORG1).function.registerFunction(newFunction({ newPermissions: publicPerms() }));
    expect(pub.permissions?.process).toMatchObject({ public: true, authorizedIds: [ORG1] });
    expect(pub.permissions?.download).toEqual(pub.permissions?.process);

    const restricted = await h
      .as(ORG1)
      .function.registerFunction(newFunction({ newPermissions: restrictedPerms(ORG2) }));
    expect(restricted.permissions?.process).toMatchObject({ public: false, authorizedIds: [ORG2, ORG1] });
    expect(restricted.permissions?.download).toEqual(restricted.permissions?.process);

    const already = await h
      .as(ORG1)
      .function.registerFunction(newFunction({ newPermissions: restrictedPerms(ORG1, ORG2) }));
    expect(already.permissions?.process?.authorizedIds).toEqual([ORG1, ORG2]);
  });

  it('response = GetFunction = CREATED event payload', async () => {
    const h = await world();
    const fn = await h.as(ORG1).function.registerFunction(newFunction());
    const got = await h.as(ORG2).function.getFunction(create(GetFunctionParamSchema, { key: fn.key }));
    expect(equals(FunctionSchema, fn, got)).toBe(true);
    const events = h.events().filter((e) => e.assetKey === fn.key);
    expect(events).toHaveLength(1);
    expect(events[0]).toMatchObject({
      eventKind: EventKind.EVENT_ASSET_CREATED,
      assetKind: AssetKind.ASSET_FUNCTION,
      metadata: {},
    });
    expect(events[0]!.asset.case).toBe('function');
    expect(equals(FunctionSchema, events[0]!.asset.value as OrcFunction, got)).toBe(true);
    expect(events[0]!.timestamp).toEqual(fn.creationDate);
  });

  it('refuses an existing key with OE0006 and an invalid function with OE0101', async () => {
    const h = await world();
    const input = newFunction();
    await h.as(ORG1).function.registerFunction(input);
    await h.refused('OE0006', () => h.as(ORG2).function.registerFunction(newFunction({ key: input.key })));
    await h.refused('OE0101', () => h.as(ORG1).function.registerFunction(newFunction({ key: 'not-a-uuid' })));
  });

  it('GetFunction of an unknown key is OE0002', async () => {
    const h = await world();
    await h.refused('OE0002', () => h.as(ORG1).function.getFunction(create(GetFunctionParamSchema, { key: uuid() })));
  });
});

describe('UpdateFunction', () => {
  const update = (
    h: Harness,
    org: string,
    key: string,
    init: Partial<{ name: string; image: ReturnType<typeof addressable> }>,
  ) => h.as(org).function.updateFunction(create(UpdateFunctionParamSchema, { key, name: 'renamed', ...init }));

  it('only the owner may update (OE0102)', async () => {
    const h = await world();
    const fn = await h.fn(ORG1);
    await h.refused('OE0102', () => update(h, ORG2, fn.key, {}), 'requester does not own the function');
  });

  it('an unknown function is OE0002', async () => {
    const h = await world();
    await h.refused('OE0002', () => update(h, ORG1, uuid(), {}));
  });

  it('renames; keeps the image when no checksum is given; emits UPDATED with the function after update', async () => {
    const h = await world();
    const fn = await h.fn(ORG1);
    const mark = h.mark();
    await update(h, ORG1, fn.key, { image: create(AddressableSchema, { storageAddress: 'https://x.example.com/i' }) });
    const got = await h.as(ORG1).function.load(fn.key);
    expect(got.name).toBe('renamed');
    expect(equals(AddressableSchema, got.image!, create(AddressableSchema))).toBe(true);
    const events = h.since(mark);
    expect(events).toHaveLength(1);
    expect(events[0]).toMatchObject({ eventKind: EventKind.EVENT_ASSET_UPDATED, assetKey: fn.key, metadata: {} });
    expect(equals(FunctionSchema, events[0]!.asset.value as OrcFunction, got)).toBe(true);
  });

  it('replaces the image when a checksum is given', async () => {
    const h = await world();
    const fn = await h.fn(ORG1);
    const image = addressable();
    await update(h, ORG1, fn.key, { image });
    expect((await h.as(ORG1).function.load(fn.key)).image).toEqual(image);
  });

  it('requires an image once READY (OE0101), and accepts it when given or already present', async () => {
    const h = await world();
    const fn = await h.fn(ORG1, {}, F.READY);
    await h.refused('OE0101', () => update(h, ORG1, fn.key, {}));
    const image = addressable();
    await update(h, ORG1, fn.key, { image });
    await update(h, ORG1, fn.key, { name: 'again' });
    const got = await h.as(ORG1).function.load(fn.key);
    expect(got.name).toBe('again');
    expect(got.image).toEqual(image);
  });

  it('does not require an image before READY', async () => {
    const h = await world();
    for (const status of [F.WAITING, F.BUILDING, F.FAILED, F.CANCELED]) {
      const fn = await h.fn(ORG1, {}, status);
      await update(h, ORG1, fn.key, {});
    }
  });
});

describe('ApplyFunctionAction: state machine', () => {
  const allowed: Record<number, Partial<Record<FunctionAction, FunctionStatus>>> = {
    [F.WAITING]: { [FA.BUILDING]: F.BUILDING, [FA.CANCELED]: F.CANCELED },
    [F.BUILDING]: { [FA.READY]: F.READY, [FA.FAILED]: F.FAILED, [FA.CANCELED]: F.CANCELED },
    [F.READY]: {},
    [F.CANCELED]: {},
    [F.FAILED]: {},
  };
  const statuses = [F.WAITING, F.BUILDING, F.READY, F.CANCELED, F.FAILED];
  const actions = [FA.BUILDING, FA.READY, FA.FAILED, FA.CANCELED];

  for (const from of statuses) {
    for (const action of actions) {
      const to = allowed[from]![action];
      const name = `${F[from]} --${FA[action]}--> ${to === undefined ? 'refused (OE0003)' : F[to]}`;
      it(name, async () => {
        const h = await world();
        const fn = await h.fn(ORG1, {}, from);
        expect(fn.status).toBe(from);
        const call = () =>
          h
            .as(ORG1)
            .function.applyFunctionAction(create(ApplyFunctionActionParamSchema, { functionKey: fn.key, action }));
        if (to === undefined) {
          const err = await h.refused('OE0003', call);
          expect(err.status).toBe(9); // FAILED_PRECONDITION
          return;
        }
        const mark = h.mark();
        await call();
        const got = await h.as(ORG1).function.load(fn.key);
        expect(got.status).toBe(to);
        const events = h.since(mark);
        expect(events).toHaveLength(1);
        expect(events[0]).toMatchObject({
          eventKind: EventKind.EVENT_ASSET_UPDATED,
          assetKind: AssetKind.ASSET_FUNCTION,
          assetKey: fn.key,
          metadata: { reason: 'User action' },
        });
        expect(equals(FunctionSchema, events[0]!.asset.value as OrcFunction, got)).toBe(true);
      });
    }
  }

  it('only the owner may act (OE0102), an unknown function is OE0002, action UNKNOWN is OE0101', async () => {
    const h = await world();
    const fn = await h.fn(ORG1, { newPermissions: publicPerms() });
    const act = (org: string, functionKey: string, action: FunctionAction) =>
      h.as(org).function.applyFunctionAction(create(ApplyFunctionActionParamSchema, { functionKey, action }));
    await h.refused('OE0102', () => act(ORG2, fn.key, FA.BUILDING), 'only function owner can update it');
    await h.refused('OE0002', () => act(ORG1, uuid(), FA.BUILDING));
    await h.refused('OE0101', () => act(ORG1, fn.key, FA.UNKNOWN));
  });
});

describe('ApplyFunctionAction: propagation to tasks', () => {
  /** A plan of ORG1 with `n` root tasks of a function of ORG1 in `status`. */
  async function setup(status: FunctionStatus, n = 2) {
    const h = await world();
    const fn = await h.fn(ORG1, shapes.root(), status);
    const plan = await h.plan(ORG1);
    const tasks = [];
    for (let i = 0; i < n; i++) {
      tasks.push(await h.task(ORG1, { functionKey: fn.key, computePlanKey: plan.key, worker: ORG2 }));
      h.advance();
    }
    return { h, fn, plan, tasks };
  }

  it('BUILDING moves WAITING_FOR_BUILDER_SLOT tasks to BUILDING; function event first, then task events', async () => {
    const { h, fn, tasks } = await setup(F.WAITING);
    expect(tasks.map((t) => t.status)).toEqual([S.STATUS_WAITING_FOR_BUILDER_SLOT, S.STATUS_WAITING_FOR_BUILDER_SLOT]);
    const mark = h.mark();
    await h.fnAction(ORG1, fn.key, FA.BUILDING);
    for (const t of tasks) expect(await h.status(t.key)).toBe(S.STATUS_BUILDING);
    const events = h.since(mark);
    expect(events.map((e) => [e.assetKind, e.assetKey])).toEqual([
      [AssetKind.ASSET_FUNCTION, fn.key],
      [AssetKind.ASSET_COMPUTE_TASK, tasks[0]!.key],
      [AssetKind.ASSET_COMPUTE_TASK, tasks[1]!.key],
    ]);
    for (const e of events.slice(1)) {
      expect(e.eventKind).toBe(EventKind.EVENT_ASSET_UPDATED);
      expect(e.metadata).toEqual({ reason: 'User action' });
      expect(e.asset.case === 'computeTask' && e.asset.value.status).toBe(S.STATUS_BUILDING);
    }
  });

  it('READY moves BUILDING tasks to WAITING_FOR_EXECUTOR_SLOT when their parents are done', async () => {
    const { h, fn, tasks } = await setup(F.BUILDING);
    expect(tasks.map((t) => t.status)).toEqual([S.STATUS_BUILDING, S.STATUS_BUILDING]);
    const mark = h.mark();
    await h.fnAction(ORG1, fn.key, FA.READY);
    for (const t of tasks) expect(await h.status(t.key)).toBe(S.STATUS_WAITING_FOR_EXECUTOR_SLOT);
    const taskEvents = h.since(mark).slice(1);
    expect(taskEvents).toHaveLength(2);
    for (const e of taskEvents) expect(e.metadata).toEqual({ reason: `Function ${fn.key} finished building` });
  });

  it('READY moves a BUILDING child to WAITING_FOR_PARENT_TASKS while a parent is not done, to the executor slot once it is', async () => {
    const h = await world();
    const parentFn = await h.fn(ORG1, shapes.root(), F.READY);
    const childFn = await h.fn(ORG1, shapes.chain(), F.BUILDING);
    const childFn2 = await h.fn(ORG1, shapes.chain(), F.BUILDING);
    const plan = await h.plan(ORG1);
    const parent = await h.task(ORG1, { functionKey: parentFn.key, computePlanKey: plan.key, worker: ORG1 });
    const child = await h.task(ORG1, {
      functionKey: childFn.key,
      computePlanKey: plan.key,
      worker: ORG1,
      inputs: [inp.parent('models', parent.key)],
    });
    const child2 = await h.task(ORG1, {
      functionKey: childFn2.key,
      computePlanKey: plan.key,
      worker: ORG1,
      inputs: [inp.parent('models', parent.key)],
    });
    expect([child.status, child2.status]).toEqual([S.STATUS_BUILDING, S.STATUS_BUILDING]);
    await h.fnAction(ORG1, childFn.key, FA.READY);
    expect(await h.status(child.key)).toBe(S.STATUS_WAITING_FOR_PARENT_TASKS);

    // The parent finishes while child2 is still building: child2 is left for the function's READY.
    await h.runToDone(ORG1, parent.key);
    expect(await h.status(child.key)).toBe(S.STATUS_WAITING_FOR_EXECUTOR_SLOT);
    expect(await h.status(child2.key)).toBe(S.STATUS_BUILDING);
    await h.fnAction(ORG1, childFn2.key, FA.READY);
    expect(await h.status(child2.key)).toBe(S.STATUS_WAITING_FOR_EXECUTOR_SLOT);
  });

  it('FAILED fails the BUILDING tasks and dates the plan failure without a plan event', async () => {
    const { h, fn, plan, tasks } = await setup(F.BUILDING);
    h.advance(10);
    const mark = h.mark();
    await h.fnAction(ORG1, fn.key, FA.FAILED);
    for (const t of tasks) expect(await h.status(t.key)).toBe(S.STATUS_FAILED);
    const got = await h.as(ORG1).computePlan.load(plan.key);
    expect(got.failureDate).toEqual(h.now());
    expect(got.cancelationDate).toBeUndefined();
    const events = h.since(mark);
    expect(events.map((e) => e.assetKind)).toEqual([
      AssetKind.ASSET_FUNCTION,
      AssetKind.ASSET_COMPUTE_TASK,
      AssetKind.ASSET_COMPUTE_TASK,
    ]);
  });

  it('CANCELED from BUILDING cancels BUILDING tasks and leaves final ones alone; the plan is not failed', async () => {
    const { h, fn, plan, tasks } = await setup(F.BUILDING, 3);
    await h.taskAction(ORG1, tasks[2]!.key, A.TASK_ACTION_CANCELED);
    const mark = h.mark();
    await h.fnAction(ORG1, fn.key, FA.CANCELED);
    expect(await h.status(tasks[0]!.key)).toBe(S.STATUS_CANCELED);
    expect(await h.status(tasks[1]!.key)).toBe(S.STATUS_CANCELED);
    expect(h.since(mark)).toHaveLength(3);
    const got = await h.as(ORG1).computePlan.load(plan.key);
    expect(got.failureDate).toBeUndefined();
  });

  it('CANCELED from WAITING cancels WAITING_FOR_BUILDER_SLOT tasks (our fix of Substra quirk substra-behaviour §9.6)', async () => {
    const { h, fn, tasks } = await setup(F.WAITING);
    await h.fnAction(ORG1, fn.key, FA.CANCELED);
    for (const t of tasks) expect(await h.status(t.key)).toBe(S.STATUS_CANCELED);
  });

  it('does not touch tasks of other functions', async () => {
    const { h, fn } = await setup(F.WAITING, 1);
    const other = await h.fn(ORG1, shapes.root(), F.WAITING);
    const plan = await h.plan(ORG1);
    const task = await h.task(ORG1, { functionKey: other.key, computePlanKey: plan.key, worker: ORG1 });
    await h.fnAction(ORG1, fn.key, FA.BUILDING);
    await h.fnAction(ORG1, fn.key, FA.FAILED);
    expect(await h.status(task.key)).toBe(S.STATUS_WAITING_FOR_BUILDER_SLOT);
  });
});
