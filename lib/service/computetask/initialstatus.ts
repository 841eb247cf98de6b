import { ComputeTaskStatus as S, FunctionStatus as F, type ComputeTask } from '../../asset/index.js';

/**
 * Where a new task starts: canceled below a failed or canceled parent, otherwise wherever its function's build and its
 * parents leave it (substra-behaviour §2.10).
 */
export function initialTaskStatus(functionStatus: F, parents: readonly ComputeTask[]): S {
  if (parents.some((p) => p.status === S.STATUS_FAILED || p.status === S.STATUS_CANCELED)) return S.STATUS_CANCELED;
  switch (functionStatus) {
    case F.READY:
      return parents.every((p) => p.status === S.STATUS_DONE)
        ? S.STATUS_WAITING_FOR_EXECUTOR_SLOT
        : S.STATUS_WAITING_FOR_PARENT_TASKS;
    case F.WAITING:
      return S.STATUS_WAITING_FOR_BUILDER_SLOT;
    case F.BUILDING:
      return S.STATUS_BUILDING;
    case F.FAILED:
      return S.STATUS_FAILED;
    case F.CANCELED:
      return S.STATUS_CANCELED;
    default:
      return S.STATUS_UNKNOWN;
  }
}
