import { create, equals } from '@bufbuild/protobuf';
import { describe, expect, it } from 'vitest';
import {
  ApplyPlanActionParamSchema,
  ComputePlanAction,
  ComputePlanSchema,
  EventKind,
  GetComputePlanParamSchema,
  IsPlanRunningParamSchema,
  QueryPlansParamSchema,
  UpdateComputePlanParamSchema,
  type ComputePlan,
} from '../../../lib/asset/index.js';
import { inp, newPlan, ORG1, ORG2, shapes, uuid } from './fixtures.js';
import { A, AssetKind, FunctionStatus, Harness, S } from './harness.js';

async function world(): Promise<Harness> {
  const h = new Harness();
  await h.orgs(ORG1, ORG2);
  return h;
}

const cancel = (h: Harness, org: string, key: string, action = ComputePlanAction.PLAN_ACTION_CANCELED) =>
  h.as(org).computePlan.applyPlanAction(create(ApplyPlanActionParamSchema, { key, action }));
const running = async (h: Harness, key: string) =>
  (await h.as(ORG1).computePlan.isPlanRunning(create(IsPlanRunningParamSchema, { key }))).isRunning;

/** A plan of ORG1 with root tasks of a READY function, worker ORG2. */
async function planWithTasks(n: number, fnStatus = FunctionStatus.READY) {
  const h = await world();
  const fn = await h.fn(ORG1, shapes.root(), fnStatus);
  const plan = await h.plan(ORG1);
  const tasks = [];
  for (let i = 0; i < n; i++)
    tasks.push(await h.task(ORG1, { functionKey: fn.key, computePlanKey: plan.key, worker: ORG2 }));
  return { h, fn, plan, tasks };
}

describe('RegisterPlan / GetPlan / UpdatePlan', () => {
  it('registers with owner and creation date; response = Get = CREATED payload', async () => {
    const h = await world();
    const input = newPlan({ tag: 't', metadata: { k: 'v' } });
    const plan = await h.as(ORG1).computePlan.registerPlan(input);
    expect(plan).toMatchObject({ key: input.key, owner: ORG1, tag: 't', name: input.name, metadata: { k: 'v' } });
    expect(plan.creationDate).toEqual(h.now());
    expect(plan.cancelationDate).toBeUndefined();
    expect(plan.failureDate).toBeUndefined();
    const got = await h.as(ORG2).computePlan.getPlan(create(GetComputePlanParamSchema, { key: plan.key }));
    expect(equals(ComputePlanSchema, plan, got)).toBe(true);
    const events = h.events().filter((e) => e.assetKey === plan.key);
    expect(events).toHaveLength(1);
    expect(events[0]).toMatchObject({
      eventKind: EventKind.EVENT_ASSET_CREATED,
      assetKind: AssetKind.ASSET_COMPUTE_PLAN,
    });
    expect(equals(ComputePlanSchema, events[0]!.asset.value as ComputePlan, got)).toBe(true);
  });

  it('refuses a known key (OE0006) and an invalid plan (OE0101); unknown plan is OE0002', async () => {
    const h = await world();
    const plan = await h.plan(ORG1);
    await h.refused('OE0006', () => h.as(ORG2).computePlan.registerPlan(newPlan({ key: plan.key })));
    await h.refused('OE0101', () => h.as(ORG1).computePlan.registerPlan(newPlan({ name: '' })));
    await h.refused('OE0002', () => h.as(ORG1).computePlan.getPlan(create(GetComputePlanParamSchema, { key: uuid() })));
  });

  it('update: owner only (OE0102), unknown (OE0002), renames with an UPDATED event', async () => {
    const h = await world();
    const plan = await h.plan(ORG1);
    const upd = (org: string, key: string) =>
      h.as(org).computePlan.updatePlan(create(UpdateComputePlanParamSchema, { key, name: 'renamed' }));
    await h.refused('OE0102', () => upd(ORG2, plan.key));
    await h.refused('OE0002', () => upd(ORG1, uuid()));
    const mark = h.mark();
    await upd(ORG1, plan.key);
    const got = await h.as(ORG1).computePlan.load(plan.key);
    expect(got.name).toBe('renamed');
    const events = h.since(mark);
    expect(events).toHaveLength(1);
    expect(events[0]!.eventKind).toBe(EventKind.EVENT_ASSET_UPDATED);
    expect(equals(ComputePlanSchema, events[0]!.asset.value as ComputePlan, got)).toBe(true);
  });

  it('QueryPlans filters by owner, ordered by creation date then key', async () => {
    const h = await world();
    const a = await h.plan(ORG1);
    const b = await h.plan(ORG2);
    h.advance();
    const c = await h.plan(ORG1);
    const all = await h.as(ORG1).computePlan.queryPlans(create(QueryPlansParamSchema));
    const firstTwo = [a.key, b.key].sort();
    expect(all.plans.map((p) => p.key)).toEqual([...firstTwo, c.key]);
    const mine = await h.as(ORG2).computePlan.queryPlans(create(QueryPlansParamSchema, { filter: { owner: ORG1 } }));
    expect(mine.plans.map((p) => p.key)).toEqual([a.key, c.key]);
  });
});

describe('ApplyPlanAction', () => {
  it('CANCELED dates the plan, emits UPDATED and does not touch the tasks', async () => {
    const { h, plan, tasks } = await planWithTasks(2);
    h.advance(5);
    const mark = h.mark();
    await cancel(h, ORG1, plan.key);
    const got = await h.as(ORG1).computePlan.load(plan.key);
    expect(got.cancelationDate).toEqual(h.now());
    const events = h.since(mark);
    expect(events).toHaveLength(1);
    expect(events[0]).toMatchObject({ eventKind: EventKind.EVENT_ASSET_UPDATED, assetKey: plan.key });
    expect(equals(ComputePlanSchema, events[0]!.asset.value as ComputePlan, got)).toBe(true);
    for (const t of tasks) expect(await h.status(t.key)).toBe(S.STATUS_WAITING_FOR_EXECUTOR_SLOT);
  });

  it('only the owner may act (OE0102); unknown plan (OE0002); UNKNOWN action (OE0101)', async () => {
    const h = await world();
    const plan = await h.plan(ORG1);
    await h.refused('OE0102', () => cancel(h, ORG2, plan.key), 'only plan owner can act on it');
    await h.refused('OE0002', () => cancel(h, ORG1, uuid()));
    await h.refused('OE0101', () => cancel(h, ORG1, plan.key, ComputePlanAction.PLAN_ACTION_UNKNOWN));
  });

  it('refuses to cancel a terminated plan with OE0109 (canceled or failed)', async () => {
    const { h, plan, tasks } = await planWithTasks(1);
    await cancel(h, ORG1, plan.key);
    await h.refused('OE0109', () => cancel(h, ORG1, plan.key), 'already terminated');

    const other = await h.plan(ORG1);
    const fn = await h.fn(ORG1, shapes.root(), FunctionStatus.READY);
    const t = await h.task(ORG1, { functionKey: fn.key, computePlanKey: other.key, worker: ORG2 });
    await h.taskAction(ORG2, t.key, A.TASK_ACTION_FAILED);
    const err = await h.refused('OE0109', () => cancel(h, ORG1, other.key));
    expect(err.status).toBe(9);
    expect(tasks).toHaveLength(1);
  });
});

describe('plan failure', () => {
  it('a failed task dates failure_date once, without a plan event', async () => {
    const { h, plan, tasks } = await planWithTasks(2);
    h.advance(3);
    const failedAt = h.now();
    const mark = h.mark();
    await h.taskAction(ORG2, tasks[0]!.key, A.TASK_ACTION_FAILED);
    expect(h.since(mark).map((e) => e.assetKind)).toEqual([AssetKind.ASSET_COMPUTE_TASK]);
    expect((await h.as(ORG1).computePlan.load(plan.key)).failureDate).toEqual(failedAt);
    h.advance(3);
    await h.taskAction(ORG1, tasks[1]!.key, A.TASK_ACTION_FAILED);
    const got = await h.as(ORG1).computePlan.load(plan.key);
    expect(got.failureDate).toEqual(failedAt);
    expect(got.cancelationDate).toBeUndefined();
  });

  it('a task failing in a canceled plan leaves failure_date unset', async () => {
    const { h, plan, tasks } = await planWithTasks(1);
    await cancel(h, ORG1, plan.key);
    await h.taskAction(ORG2, tasks[0]!.key, A.TASK_ACTION_FAILED);
    expect((await h.as(ORG1).computePlan.load(plan.key)).failureDate).toBeUndefined();
  });

  it('canceling a task does not terminate its plan', async () => {
    const { h, plan, tasks } = await planWithTasks(1);
    await h.taskAction(ORG1, tasks[0]!.key, A.TASK_ACTION_CANCELED);
    const got = await h.as(ORG1).computePlan.load(plan.key);
    expect(got.failureDate).toBeUndefined();
    expect(got.cancelationDate).toBeUndefined();
  });

  it('a task created FAILED (its function failed) does not fail the plan; a terminated plan still takes tasks', async () => {
    const { h, fn, plan, tasks } = await planWithTasks(1, FunctionStatus.FAILED);
    expect(tasks[0]!.status).toBe(S.STATUS_FAILED);
    expect((await h.as(ORG1).computePlan.load(plan.key)).failureDate).toBeUndefined();
    await cancel(h, ORG1, plan.key);
    const late = await h.task(ORG1, { functionKey: fn.key, computePlanKey: plan.key, worker: ORG2 });
    expect(late.computePlanKey).toBe(plan.key);
  });
});

describe('IsPlanRunning', () => {
  it('no task → false', async () => {
    const h = await world();
    const plan = await h.plan(ORG1);
    expect(await running(h, plan.key)).toBe(false);
  });

  it('an active task → true; every active status counts', async () => {
    const { h, plan, tasks } = await planWithTasks(1, FunctionStatus.WAITING);
    expect(tasks[0]!.status).toBe(S.STATUS_WAITING_FOR_BUILDER_SLOT);
    expect(await running(h, plan.key)).toBe(true);
    const b = await planWithTasks(1, FunctionStatus.BUILDING);
    expect(await running(b.h, b.plan.key)).toBe(true);
    const r = await planWithTasks(1);
    expect(await running(r.h, r.plan.key)).toBe(true);
    await r.h.taskAction(ORG2, r.tasks[0]!.key, A.TASK_ACTION_EXECUTING);
    expect(await running(r.h, r.plan.key)).toBe(true);
  });

  it('DONE tasks with one still active → true', async () => {
    const h = await world();
    const root = await h.fn(ORG1, shapes.root(), FunctionStatus.READY);
    const chain = await h.fn(ORG1, shapes.chain(), FunctionStatus.READY);
    const plan = await h.plan(ORG1);
    const p = await h.task(ORG1, { functionKey: root.key, computePlanKey: plan.key, worker: ORG2 });
    await h.runToDone(ORG2, p.key);
    const c = await h.task(ORG1, {
      functionKey: chain.key,
      computePlanKey: plan.key,
      worker: ORG2,
      inputs: [inp.parent('models', p.key)],
    });
    expect(c.status).toBe(S.STATUS_WAITING_FOR_EXECUTOR_SLOT);
    expect(await running(h, plan.key)).toBe(true);
  });

  it('all tasks DONE → false', async () => {
    const { h, plan, tasks } = await planWithTasks(2);
    for (const t of tasks) await h.runToDone(ORG2, t.key);
    expect(await running(h, plan.key)).toBe(false);
  });

  it('a CANCELED task among active ones → false (deterministic rule)', async () => {
    const { h, plan, tasks } = await planWithTasks(3);
    await h.taskAction(ORG1, tasks[1]!.key, A.TASK_ACTION_CANCELED);
    expect(await running(h, plan.key)).toBe(false);
  });

  it('a FAILED task created with a failed function among active ones → false', async () => {
    const { h, plan } = await planWithTasks(2);
    const failedFn = await h.fn(ORG1, shapes.root(), FunctionStatus.FAILED);
    await h.task(ORG1, { functionKey: failedFn.key, computePlanKey: plan.key, worker: ORG2 });
    expect((await h.as(ORG1).computePlan.load(plan.key)).failureDate).toBeUndefined();
    expect(await running(h, plan.key)).toBe(false);
  });

  it('a terminated plan → false even with active tasks', async () => {
    const { h, plan } = await planWithTasks(2);
    expect(await running(h, plan.key)).toBe(true);
    await cancel(h, ORG1, plan.key);
    expect(await running(h, plan.key)).toBe(false);
  });

  it('unknown plan → OE0002 (Substra crashed)', async () => {
    const h = await world();
    await h.refused('OE0002', () =>
      h.as(ORG1).computePlan.isPlanRunning(create(IsPlanRunningParamSchema, { key: uuid() })),
    );
  });
});
