import { create, equals } from '@bufbuild/protobuf';
import { describe, expect, it } from 'vitest';
import {
  ApplyTaskActionParamSchema,
  ComputeTaskAction,
  ComputeTaskSchema,
  EventKind,
  type ComputeTask,
  type ComputeTaskStatus,
} from '../../../lib/asset/index.js';
import { ORG1, ORG2, ORG3, shapes, uuid } from './fixtures.js';
import { A, AssetKind, FunctionStatus, Harness, S, taskWorld } from './harness.js';

const act = (h: Harness, org: string, computeTaskKey: string, action: ComputeTaskAction, log = '') =>
  h.as(org).computeTask.applyTaskAction(create(ApplyTaskActionParamSchema, { computeTaskKey, action, log }));

type World = Awaited<ReturnType<typeof taskWorld>>;

/** A task of owner ORG1 and worker ORG2 brought to `status`. */
async function taskIn(w: World, status: ComputeTaskStatus): Promise<ComputeTask> {
  const h = w.h;
  const rootOf = async (fnStatus: FunctionStatus) => {
    const fn = await h.fn(ORG1, shapes.root(), fnStatus);
    return (await h.tasks(ORG1, w.root({ functionKey: fn.key, worker: ORG2 })))[0]!;
  };
  let task: ComputeTask;
  switch (status) {
    case S.STATUS_WAITING_FOR_BUILDER_SLOT:
      task = await rootOf(FunctionStatus.WAITING);
      break;
    case S.STATUS_BUILDING:
      task = await rootOf(FunctionStatus.BUILDING);
      break;
    case S.STATUS_WAITING_FOR_PARENT_TASKS: {
      const [parent] = await h.tasks(ORG1, w.root({ worker: ORG2 }));
      task = (await h.tasks(ORG1, w.chain([parent!.key], { worker: ORG2 })))[0]!;
      break;
    }
    default:
      task = await rootOf(FunctionStatus.READY);
  }
  if (status === S.STATUS_EXECUTING) await act(h, ORG2, task.key, A.TASK_ACTION_EXECUTING);
  if (status === S.STATUS_DONE) await h.runToDone(ORG2, task.key);
  if (status === S.STATUS_CANCELED) await act(h, ORG2, task.key, A.TASK_ACTION_CANCELED);
  if (status === S.STATUS_FAILED) await act(h, ORG2, task.key, A.TASK_ACTION_FAILED);
  const current = await h.getTask(task.key);
  expect(current.status).toBe(status);
  return current;
}

describe('ApplyTaskAction: who may send what', () => {
  const rules: [ComputeTaskAction, { worker: boolean; owner: boolean }][] = [
    [A.TASK_ACTION_EXECUTING, { worker: true, owner: false }],
    [A.TASK_ACTION_DONE, { worker: true, owner: false }],
    [A.TASK_ACTION_CANCELED, { worker: true, owner: true }],
    [A.TASK_ACTION_FAILED, { worker: true, owner: true }],
  ];
  for (const [action, allowed] of rules) {
    const from = action === A.TASK_ACTION_DONE ? S.STATUS_EXECUTING : S.STATUS_WAITING_FOR_EXECUTOR_SLOT;
    for (const [role, org] of [
      ['worker', ORG2],
      ['owner', ORG1],
      ['another organization', ORG3],
    ] as const) {
      const ok = role === 'worker' ? allowed.worker : role === 'owner' ? allowed.owner : false;
      it(`${A[action]} by the ${role}: ${ok ? 'allowed' : 'OE0102'}`, async () => {
        const w = await taskWorld();
        const task = await taskIn(w, from);
        if (ok) {
          await act(w.h, org, task.key, action);
          expect(await w.h.status(task.key)).not.toBe(from);
        } else {
          await w.h.refused('OE0102', () => act(w.h, org, task.key, action));
        }
      });
    }
  }

  it('BUILD_STARTED and BUILD_FINISHED are not client actions (OE0102); UNKNOWN is malformed (OE0101)', async () => {
    const w = await taskWorld();
    const task = await taskIn(w, S.STATUS_WAITING_FOR_EXECUTOR_SLOT);
    for (const org of [ORG1, ORG2]) {
      for (const action of [A.TASK_ACTION_BUILD_STARTED, A.TASK_ACTION_BUILD_FINISHED]) {
        await w.h.refused('OE0102', () => act(w.h, org, task.key, action));
      }
      await w.h.refused('OE0101', () => act(w.h, org, task.key, A.TASK_ACTION_UNKNOWN));
    }
  });

  it('an unknown task is OE0002', async () => {
    const w = await taskWorld();
    await w.h.refused('OE0002', () => act(w.h, ORG2, uuid(), A.TASK_ACTION_EXECUTING));
  });
});

describe('ApplyTaskAction: state machine (worker sending every action from every status)', () => {
  const statuses = [
    S.STATUS_WAITING_FOR_BUILDER_SLOT,
    S.STATUS_BUILDING,
    S.STATUS_WAITING_FOR_PARENT_TASKS,
    S.STATUS_WAITING_FOR_EXECUTOR_SLOT,
    S.STATUS_EXECUTING,
    S.STATUS_DONE,
    S.STATUS_CANCELED,
    S.STATUS_FAILED,
  ];
  const active = new Set(statuses.slice(0, 5));
  const expected = (from: ComputeTaskStatus, action: ComputeTaskAction): ComputeTaskStatus | undefined => {
    switch (action) {
      case A.TASK_ACTION_EXECUTING:
        return from === S.STATUS_WAITING_FOR_EXECUTOR_SLOT ? S.STATUS_EXECUTING : undefined;
      case A.TASK_ACTION_DONE:
        return from === S.STATUS_EXECUTING ? S.STATUS_DONE : undefined;
      case A.TASK_ACTION_CANCELED:
        return active.has(from) ? S.STATUS_CANCELED : undefined;
      case A.TASK_ACTION_FAILED:
        return active.has(from) ? S.STATUS_FAILED : undefined;
      default:
        return undefined;
    }
  };
  const actions = [A.TASK_ACTION_EXECUTING, A.TASK_ACTION_DONE, A.TASK_ACTION_CANCELED, A.TASK_ACTION_FAILED];
  for (const from of statuses) {
    for (const action of actions) {
      const to = expected(from, action);
      it(`${S[from]} --${A[action]}--> ${to === undefined ? 'OE0003' : S[to]}`, async () => {
        const w = await taskWorld();
        const task = await taskIn(w, from);
        if (to === undefined) {
          const err = await w.h.refused('OE0003', () => act(w.h, ORG2, task.key, action));
          expect(err.status).toBe(9);
          return;
        }
        w.h.advance();
        const mark = w.h.mark();
        await act(w.h, ORG2, task.key, action, 'a log line');
        const got = await w.h.getTask(task.key);
        expect(got.status).toBe(to);
        const [event] = w.h.since(mark);
        expect(event).toMatchObject({
          eventKind: EventKind.EVENT_ASSET_UPDATED,
          assetKind: AssetKind.ASSET_COMPUTE_TASK,
          assetKey: task.key,
          metadata: { reason: 'a log line' },
        });
        expect(event!.timestamp).toEqual(w.h.now());
        // The acted task's payload is the whole task, inputs and outputs included.
        expect(equals(ComputeTaskSchema, event!.asset.value as ComputeTask, got)).toBe(true);
      });
    }
  }

  it('the reason is "User action" when no log is given', async () => {
    const w = await taskWorld();
    const task = await taskIn(w, S.STATUS_WAITING_FOR_EXECUTOR_SLOT);
    const mark = w.h.mark();
    await act(w.h, ORG2, task.key, A.TASK_ACTION_EXECUTING);
    expect(w.h.since(mark)[0]!.metadata).toEqual({ reason: 'User action' });
  });
});

describe('ApplyTaskAction: propagation', () => {
  it('DONE releases a child waiting for parents only once ALL its parents are done', async () => {
    const w = await taskWorld();
    const { h } = w;
    const [p1] = await h.tasks(ORG1, w.root());
    const [p2] = await h.tasks(ORG1, w.root());
    const [child] = await h.tasks(ORG1, w.chain([p1!.key, p2!.key]));
    expect(child!.status).toBe(S.STATUS_WAITING_FOR_PARENT_TASKS);

    await h.runToDone(ORG1, p1!.key);
    expect(await h.status(child!.key)).toBe(S.STATUS_WAITING_FOR_PARENT_TASKS);

    await act(h, ORG1, p2!.key, A.TASK_ACTION_EXECUTING);
    const mark = h.mark();
    await act(h, ORG1, p2!.key, A.TASK_ACTION_DONE);
    expect(await h.status(child!.key)).toBe(S.STATUS_WAITING_FOR_EXECUTOR_SLOT);
    const events = h.since(mark);
    expect(events.map((e) => e.assetKey)).toEqual([p2!.key, child!.key]);
    expect(events[1]!.metadata).toEqual({ reason: `Last parent task ${p2!.key} done` });
    expect((events[1]!.asset.value as ComputeTask).status).toBe(S.STATUS_WAITING_FOR_EXECUTOR_SLOT);
  });

  it('DONE releases every ready child, in creation order, and leaves the others', async () => {
    const w = await taskWorld();
    const { h } = w;
    const [p] = await h.tasks(ORG1, w.root());
    const [other] = await h.tasks(ORG1, w.root());
    h.advance();
    const [c1] = await h.tasks(ORG1, w.chain([p!.key]));
    h.advance();
    const [c2] = await h.tasks(ORG1, w.chain([p!.key]));
    const [blocked] = await h.tasks(ORG1, w.chain([p!.key, other!.key]));
    const [canceled] = await h.tasks(ORG1, w.chain([p!.key]));
    await act(h, ORG1, canceled!.key, A.TASK_ACTION_CANCELED);
    const buildingFn = await h.fn(ORG1, shapes.chain(), FunctionStatus.BUILDING);
    const [building] = await h.tasks(ORG1, w.chain([p!.key], { functionKey: buildingFn.key }));
    expect(building!.status).toBe(S.STATUS_BUILDING);

    await act(h, ORG1, p!.key, A.TASK_ACTION_EXECUTING);
    const mark = h.mark();
    await act(h, ORG1, p!.key, A.TASK_ACTION_DONE);
    expect(h.since(mark).map((e) => e.assetKey)).toEqual([p!.key, c1!.key, c2!.key]);
    expect(await h.status(blocked!.key)).toBe(S.STATUS_WAITING_FOR_PARENT_TASKS);
    expect(await h.status(canceled!.key)).toBe(S.STATUS_CANCELED);
    expect(await h.status(building!.key)).toBe(S.STATUS_BUILDING);
  });

  it('a parent CANCELED or FAILED leaves its children as they are', async () => {
    for (const action of [A.TASK_ACTION_CANCELED, A.TASK_ACTION_FAILED]) {
      const w = await taskWorld();
      const [p] = await w.h.tasks(ORG1, w.root());
      const [c] = await w.h.tasks(ORG1, w.chain([p!.key]));
      const mark = w.h.mark();
      await act(w.h, ORG1, p!.key, action);
      expect(w.h.since(mark).map((e) => e.assetKey)).toEqual([p!.key]);
      expect(await w.h.status(c!.key)).toBe(S.STATUS_WAITING_FOR_PARENT_TASKS);
    }
  });
});
