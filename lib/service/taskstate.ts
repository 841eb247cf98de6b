import { ComputeTaskStatus as S } from '../asset/index.js';

/** The compute task state machine (substra-behaviour §2.10). Final states have no way out. */
export const TaskTransition = {
  building: { from: [S.STATUS_WAITING_FOR_BUILDER_SLOT], to: S.STATUS_BUILDING },
  waitingParentTasks: { from: [S.STATUS_BUILDING], to: S.STATUS_WAITING_FOR_PARENT_TASKS },
  waitingExecutorSlot: {
    from: [S.STATUS_BUILDING, S.STATUS_WAITING_FOR_PARENT_TASKS],
    to: S.STATUS_WAITING_FOR_EXECUTOR_SLOT,
  },
  executing: { from: [S.STATUS_WAITING_FOR_EXECUTOR_SLOT], to: S.STATUS_EXECUTING },
  done: { from: [S.STATUS_EXECUTING], to: S.STATUS_DONE },
  canceled: { from: 'any non-final', to: S.STATUS_CANCELED },
  failed: { from: 'any non-final', to: S.STATUS_FAILED },
} as const satisfies Record<string, { from: readonly S[] | 'any non-final'; to: S }>;

/** The name of a task transition; the task service maps each task action onto one. */
export type TaskTransitionName = keyof typeof TaskTransition;

const FINAL_TASK_STATUSES: ReadonlySet<S> = new Set([S.STATUS_DONE, S.STATUS_CANCELED, S.STATUS_FAILED]);

/** Statuses of a task that is neither final nor unknown. */
export const ACTIVE_TASK_STATUSES: ReadonlySet<S> = new Set([
  S.STATUS_WAITING_FOR_BUILDER_SLOT,
  S.STATUS_BUILDING,
  S.STATUS_WAITING_FOR_PARENT_TASKS,
  S.STATUS_WAITING_FOR_EXECUTOR_SLOT,
  S.STATUS_EXECUTING,
]);

/** DONE, CANCELED and FAILED: a task in one of them never changes again. */
export function isFinalTaskStatus(status: S): boolean {
  return FINAL_TASK_STATUSES.has(status);
}

/** The status a transition leads to from `current`, or undefined when it is not allowed from there. */
export function nextTaskStatus(current: S, transition: TaskTransitionName): S | undefined {
  const { from, to } = TaskTransition[transition];
  if (from === 'any non-final') return ACTIVE_TASK_STATUSES.has(current) ? to : undefined;
  return (from as readonly S[]).includes(current) ? to : undefined;
}
