// The task and function state machines: exhaustive tables for the pure functions, then model-based random action
// sequences through the services, and random DAGs completed in random orders.
import { create } from '@bufbuild/protobuf';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  ApplyFunctionActionParamSchema,
  ApplyTaskActionParamSchema,
  ComputeTaskStatus,
  FunctionAction,
  FunctionStatus,
  RegisterTasksParamSchema,
} from '../../../lib/asset/index.js';
import {
  isFinalTaskStatus,
  nextFunctionStatus,
  nextTaskStatus,
  TaskTransition,
  type TaskTransitionName,
} from '../../../lib/service/index.js';
import { inp, newTask, ORG1, ORG2, ORG3, shapes } from './fixtures.js';
import { A, Harness, S, taskWorld } from './harness.js';

const ALL_TASK_STATUSES = [
  S.STATUS_UNKNOWN,
  S.STATUS_WAITING_FOR_BUILDER_SLOT,
  S.STATUS_BUILDING,
  S.STATUS_WAITING_FOR_PARENT_TASKS,
  S.STATUS_WAITING_FOR_EXECUTOR_SLOT,
  S.STATUS_EXECUTING,
  S.STATUS_DONE,
  S.STATUS_CANCELED,
  S.STATUS_FAILED,
];
const ACTIVE = [
  S.STATUS_WAITING_FOR_BUILDER_SLOT,
  S.STATUS_BUILDING,
  S.STATUS_WAITING_FOR_PARENT_TASKS,
  S.STATUS_WAITING_FOR_EXECUTOR_SLOT,
  S.STATUS_EXECUTING,
];
const FINAL = [S.STATUS_DONE, S.STATUS_CANCELED, S.STATUS_FAILED];

/** substra-behaviour §2.10, written independently of lib/service/taskstate.ts. */
const TASK_TABLE: Record<TaskTransitionName, { from: ComputeTaskStatus[]; to: ComputeTaskStatus }> = {
  building: { from: [S.STATUS_WAITING_FOR_BUILDER_SLOT], to: S.STATUS_BUILDING },
  waitingParentTasks: { from: [S.STATUS_BUILDING], to: S.STATUS_WAITING_FOR_PARENT_TASKS },
  waitingExecutorSlot: {
    from: [S.STATUS_BUILDING, S.STATUS_WAITING_FOR_PARENT_TASKS],
    to: S.STATUS_WAITING_FOR_EXECUTOR_SLOT,
  },
  executing: { from: [S.STATUS_WAITING_FOR_EXECUTOR_SLOT], to: S.STATUS_EXECUTING },
  done: { from: [S.STATUS_EXECUTING], to: S.STATUS_DONE },
  canceled: { from: ACTIVE, to: S.STATUS_CANCELED },
  failed: { from: ACTIVE, to: S.STATUS_FAILED },
};
const TRANSITIONS = Object.keys(TASK_TABLE) as TaskTransitionName[];

/** substra-behaviour §2.11. */
const FUNCTION_TABLE: Record<number, { from: FunctionStatus[]; to: FunctionStatus }> = {
  [FunctionAction.BUILDING]: { from: [FunctionStatus.WAITING], to: FunctionStatus.BUILDING },
  [FunctionAction.READY]: { from: [FunctionStatus.BUILDING], to: FunctionStatus.READY },
  [FunctionAction.FAILED]: { from: [FunctionStatus.BUILDING], to: FunctionStatus.FAILED },
  [FunctionAction.CANCELED]: { from: [FunctionStatus.WAITING, FunctionStatus.BUILDING], to: FunctionStatus.CANCELED },
};

describe('task state machine (pure)', () => {
  it('matches the spec table for every status and transition', () => {
    expect(Object.keys(TaskTransition).sort()).toEqual([...TRANSITIONS].sort());
    for (const status of ALL_TASK_STATUSES) {
      for (const t of TRANSITIONS) {
        const expected = TASK_TABLE[t].from.includes(status) ? TASK_TABLE[t].to : undefined;
        expect(nextTaskStatus(status, t), `${S[status]} --${t}-->`).toBe(expected);
      }
    }
  });

  it('final statuses are DONE, CANCELED, FAILED and have no way out', () => {
    for (const status of ALL_TASK_STATUSES) expect(isFinalTaskStatus(status)).toBe(FINAL.includes(status));
    for (const status of FINAL) for (const t of TRANSITIONS) expect(nextTaskStatus(status, t)).toBeUndefined();
  });

  it('random transition sequences never leave a final status and only reach table targets', () => {
    fc.assert(
      fc.property(
        fc.constantFrom(...ACTIVE),
        fc.array(fc.constantFrom(...TRANSITIONS), { maxLength: 30 }),
        (start, seq) => {
          let status: ComputeTaskStatus = start;
          for (const t of seq) {
            const next = nextTaskStatus(status, t);
            if (isFinalTaskStatus(status)) expect(next).toBeUndefined();
            if (next !== undefined) {
              expect(TASK_TABLE[t].from).toContain(status);
              expect(next).toBe(TASK_TABLE[t].to);
              status = next;
            }
          }
        },
      ),
    );
  });

  it('function state machine matches the spec table (FAILED only from BUILDING)', () => {
    const statuses = [
      FunctionStatus.UNKNOWN,
      FunctionStatus.WAITING,
      FunctionStatus.BUILDING,
      FunctionStatus.READY,
      FunctionStatus.CANCELED,
      FunctionStatus.FAILED,
    ];
    const actions = [
      FunctionAction.UNKNOWN,
      FunctionAction.BUILDING,
      FunctionAction.READY,
      FunctionAction.FAILED,
      FunctionAction.CANCELED,
    ];
    for (const s of statuses) {
      for (const a of actions) {
        const row = FUNCTION_TABLE[a];
        expect(nextFunctionStatus(s, a), `${FunctionStatus[s]} --${FunctionAction[a]}-->`).toBe(
          row?.from.includes(s) ? row.to : undefined,
        );
      }
    }
  });
});

// ---- model-based: a task and its function driven by random actions through the services ----

type Step =
  { kind: 'function'; action: FunctionAction } | { kind: 'task'; action: number; by: 'worker' | 'owner' | 'other' };

const stepArb: fc.Arbitrary<Step> = fc.oneof(
  fc.record({
    kind: fc.constant('function' as const),
    action: fc.constantFrom(
      FunctionAction.BUILDING,
      FunctionAction.READY,
      FunctionAction.FAILED,
      FunctionAction.CANCELED,
    ),
  }),
  fc.record({
    kind: fc.constant('task' as const),
    action: fc.constantFrom(A.TASK_ACTION_EXECUTING, A.TASK_ACTION_DONE, A.TASK_ACTION_CANCELED, A.TASK_ACTION_FAILED),
    by: fc.constantFrom('worker' as const, 'owner' as const, 'other' as const),
  }),
);

/** The reference model: what the spec says happens to (function status, task status) for one step. */
function expectedStep(
  fnStatus: FunctionStatus,
  taskStatus: ComputeTaskStatus,
  step: Step,
): { ok: false; code: string } | { ok: true; fn: FunctionStatus; task: ComputeTaskStatus } {
  if (step.kind === 'function') {
    const row = FUNCTION_TABLE[step.action]!;
    if (!row.from.includes(fnStatus)) return { ok: false, code: 'OE0003' };
    const fn = row.to;
    let task = taskStatus;
    if (fn === FunctionStatus.BUILDING && task === S.STATUS_WAITING_FOR_BUILDER_SLOT) task = S.STATUS_BUILDING;
    else if (fn === FunctionStatus.READY && task === S.STATUS_BUILDING) task = S.STATUS_WAITING_FOR_EXECUTOR_SLOT;
    else if (fn === FunctionStatus.FAILED && task === S.STATUS_BUILDING) task = S.STATUS_FAILED;
    else if (
      fn === FunctionStatus.CANCELED &&
      (task === S.STATUS_BUILDING || task === S.STATUS_WAITING_FOR_BUILDER_SLOT)
    ) {
      task = S.STATUS_CANCELED;
    }
    return { ok: true, fn, task };
  }
  const workerOnly = step.action === A.TASK_ACTION_EXECUTING || step.action === A.TASK_ACTION_DONE;
  if (step.by === 'other' || (workerOnly && step.by === 'owner')) return { ok: false, code: 'OE0102' };
  const transition: TaskTransitionName =
    step.action === A.TASK_ACTION_EXECUTING
      ? 'executing'
      : step.action === A.TASK_ACTION_DONE
        ? 'done'
        : step.action === A.TASK_ACTION_CANCELED
          ? 'canceled'
          : 'failed';
  const row = TASK_TABLE[transition];
  if (!row.from.includes(taskStatus)) return { ok: false, code: 'OE0003' };
  return { ok: true, fn: fnStatus, task: row.to };
}

describe('task and function driven by random actions (model-based, through the services)', () => {
  it('every step succeeds or fails as the spec says, and a refused step changes nothing', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(stepArb, { minLength: 1, maxLength: 12 }), async (steps) => {
        const h = new Harness();
        await h.orgs(ORG1, ORG2, ORG3);
        const fn = await h.fn(ORG1, shapes.root());
        const plan = await h.plan(ORG1);
        const [task] = await h.tasks(ORG1, newTask({ functionKey: fn.key, computePlanKey: plan.key, worker: ORG2 }));
        let fnStatus = FunctionStatus.WAITING;
        let taskStatus = task!.status;
        expect(taskStatus).toBe(S.STATUS_WAITING_FOR_BUILDER_SLOT);
        for (const step of steps) {
          const expected = expectedStep(fnStatus, taskStatus, step);
          const run = () =>
            step.kind === 'function'
              ? h
                  .as(ORG1)
                  .function.applyFunctionAction(
                    create(ApplyFunctionActionParamSchema, { functionKey: fn.key, action: step.action }),
                  )
              : h
                  .as(step.by === 'worker' ? ORG2 : step.by === 'owner' ? ORG1 : ORG3)
                  .computeTask.applyTaskAction(
                    create(ApplyTaskActionParamSchema, { computeTaskKey: task!.key, action: step.action }),
                  );
          if (expected.ok) {
            await run();
            fnStatus = expected.fn;
            taskStatus = expected.task;
          } else {
            await h.refused(expected.code, run);
          }
          expect((await h.as(ORG1).function.load(fn.key)).status).toBe(fnStatus);
          expect(await h.status(task!.key)).toBe(taskStatus);
          const failed = (await h.as(ORG1).computePlan.load(plan.key)).failureDate !== undefined;
          expect(failed).toBe(taskStatus === S.STATUS_FAILED);
        }
      }),
      { numRuns: 25 },
    );
  });
});

// ---- random DAGs: children are released only when all their parents are done ----

/** parents[i] ⊆ [0, i): a DAG in index order. */
const dagArb = fc.integer({ min: 2, max: 7 }).chain((n) =>
  fc.tuple(
    fc.tuple(...Array.from({ length: n }, (_, i) => fc.subarray(Array.from({ length: i }, (__, j) => j)))),
    fc.shuffledSubarray(
      Array.from({ length: n }, (_, i) => i),
      { minLength: n, maxLength: n },
    ),
    fc.array(fc.nat(), { minLength: n, maxLength: n }),
  ),
);

describe('propagation over random DAGs', () => {
  it('a task leaves WAITING_FOR_PARENT_TASKS exactly when all its parents are DONE, whatever the completion order', async () => {
    await fc.assert(
      fc.asyncProperty(dagArb, async ([parents, order, picks]) => {
        const w = await taskWorld();
        const batch = parents.map(() => w.chain([], { worker: ORG1 }));
        const keys = batch.map((t) => t.key);
        batch.forEach((t, i) => (t.inputs = parents[i]!.map((p) => inp.parent('models', keys[p]!))));
        // Registered in a random order, in one batch.
        await w.h
          .as(ORG1)
          .computeTask.registerTasks(create(RegisterTasksParamSchema, { tasks: order.map((i) => batch[i]!) }));

        const status = async () => Promise.all(keys.map((k) => w.h.status(k)));
        const check = (st: ComputeTaskStatus[]) => {
          st.forEach((s, i) => {
            const ready = parents[i]!.every((p) => st[p] === S.STATUS_DONE);
            if (s === S.STATUS_WAITING_FOR_PARENT_TASKS) expect(ready).toBe(false);
            else expect(ready, `task ${i} is ${S[s]} before all its parents are done`).toBe(true);
          });
        };
        let st = await status();
        check(st);
        for (let round = 0; st.some((s) => s !== S.STATUS_DONE); round++) {
          const ready = st.flatMap((s, i) => (s === S.STATUS_WAITING_FOR_EXECUTOR_SLOT ? [i] : []));
          expect(ready.length).toBeGreaterThan(0);
          const i = ready[picks[round % picks.length]! % ready.length]!;
          await w.h.taskAction(ORG1, keys[i]!, A.TASK_ACTION_EXECUTING);
          await w.h.taskAction(ORG1, keys[i]!, A.TASK_ACTION_DONE);
          st = await status();
          check(st);
        }
      }),
      { numRuns: 20 },
    );
  });
});
