import {
  ComputeTaskAction,
  ComputeTaskActionSchema,
  ComputeTaskStatusSchema,
  type ApplyTaskActionParam,
  type ComputeTaskInput,
  type DisableOutputParam,
  type GetTaskInputAssetsParam,
  type GetTaskParam,
  type NewComputeTask,
  type QueryTasksParam,
  type RegisterTasksParam,
} from '../index.js';
import { checkMetadata } from './metadata.js';
import { checkRequiredPermissions } from './permissions.js';
import {
  checkKey,
  checkOptionalKey,
  checkUniqueKeys,
  entryPath,
  fieldPath,
  itemPath,
  sortedKeys,
  Violations,
} from './rules.js';

/** compute_tasks.worker is a varchar(100) organization id: longer ids are refused here, by every backend. */
const MAX_WORKER_BYTES = 100;

/**
 * Every real action. BUILD_STARTED/BUILD_FINISHED are well-formed but reserved to function actions: the service
 * refuses them from clients with PERMISSION_DENIED, as Substra does; only UNKNOWN and undefined values are malformed.
 */
const TASK_ACTIONS = [
  ComputeTaskAction.TASK_ACTION_EXECUTING,
  ComputeTaskAction.TASK_ACTION_CANCELED,
  ComputeTaskAction.TASK_ACTION_FAILED,
  ComputeTaskAction.TASK_ACTION_DONE,
  ComputeTaskAction.TASK_ACTION_BUILD_STARTED,
  ComputeTaskAction.TASK_ACTION_BUILD_FINISHED,
];

function checkInput(v: Violations, path: string, input: ComputeTaskInput): void {
  v.string(fieldPath(path, 'identifier'), input.identifier).required();
  const ref = input.ref;
  switch (ref.case) {
    case 'assetKey':
      checkKey(v, fieldPath(path, 'asset_key'), ref.value);
      break;
    case 'parentTaskOutput': {
      const parent = fieldPath(path, 'parent_task_output');
      checkKey(v, fieldPath(parent, 'parent_task_key'), ref.value.parentTaskKey);
      v.string(fieldPath(parent, 'output_identifier'), ref.value.outputIdentifier).required();
      break;
    }
    default:
      // Substra's Required on the oneof; an input that points nowhere cannot be resolved.
      v.add(fieldPath(path, 'ref'), 'one of asset_key or parent_task_output is required');
  }
}

function checkNewComputeTask(v: Violations, path: string, task: NewComputeTask): void {
  checkKey(v, fieldPath(path, 'key'), task.key);
  checkKey(v, fieldPath(path, 'function_key'), task.functionKey);
  checkKey(v, fieldPath(path, 'compute_plan_key'), task.computePlanKey);
  v.string(fieldPath(path, 'worker'), task.worker).maxBytes(MAX_WORKER_BYTES);
  checkMetadata(v, path, task.metadata);
  task.inputs.forEach((input, i) => checkInput(v, itemPath(fieldPath(path, 'inputs'), i), input));
  const outputs = fieldPath(path, 'outputs');
  for (const identifier of sortedKeys(task.outputs)) {
    const outputPath = entryPath(outputs, identifier);
    if (identifier === '') v.add(outputPath, 'identifier cannot be blank');
    checkRequiredPermissions(v, fieldPath(outputPath, 'permissions'), task.outputs[identifier]!.permissions);
  }
}

export function validateNewComputeTask(task: NewComputeTask): void {
  const v = new Violations();
  checkNewComputeTask(v, '', task);
  v.throwIfAny('computetask');
}

/**
 * Every task of the batch, then keys repeated in it. An empty batch is left to the service, whose answer Substra
 * clients know: OE0003 "no task to register".
 */
export function validateRegisterTasksParam(param: RegisterTasksParam): void {
  const v = new Violations();
  param.tasks.forEach((task, i) => checkNewComputeTask(v, itemPath('tasks', i), task));
  checkUniqueKeys(
    v,
    'tasks',
    param.tasks.map((t) => t.key),
  );
  v.throwIfAny('computetask');
}

export function validateGetTaskParam(param: GetTaskParam): void {
  const v = new Violations();
  checkKey(v, 'key', param.key);
  v.throwIfAny('computetask');
}

export function validateGetTaskInputAssetsParam(param: GetTaskInputAssetsParam): void {
  const v = new Violations();
  checkKey(v, 'compute_task_key', param.computeTaskKey);
  v.throwIfAny('computetask');
}

export function validateApplyTaskActionParam(param: ApplyTaskActionParam): void {
  const v = new Violations();
  checkKey(v, 'compute_task_key', param.computeTaskKey);
  v.oneOf('action', param.action, ComputeTaskActionSchema, TASK_ACTIONS);
  v.throwIfAny('computetask');
}

export function validateDisableOutputParam(param: DisableOutputParam): void {
  const v = new Violations();
  checkKey(v, 'compute_task_key', param.computeTaskKey);
  v.string('identifier', param.identifier).required();
  v.throwIfAny('computetask');
}

/** Filters are optional; when given, keys must be UUIDs and the status a defined one (0 = no status filter). */
export function validateQueryTasksParam(param: QueryTasksParam): void {
  const v = new Violations();
  const filter = param.filter;
  if (filter) {
    checkOptionalKey(v, 'filter.compute_plan_key', filter.computePlanKey);
    checkOptionalKey(v, 'filter.function_key', filter.functionKey);
    v.definedEnum('filter.status', filter.status, ComputeTaskStatusSchema);
  }
  v.throwIfAny('computetask');
}
