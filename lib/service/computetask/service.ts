import { create } from '@bufbuild/protobuf';
import {
  ApplyTaskActionResponseSchema,
  AssetKind,
  ComputeTaskAction,
  ComputeTaskInputAssetSchema,
  ComputeTaskStatus,
  DisableOutputResponseSchema,
  EventKind,
  GetTaskInputAssetsResponseSchema,
  QueryTasksResponseSchema,
  RegisterTasksResponseSchema,
  type ApplyTaskActionParam,
  type ApplyTaskActionResponse,
  type ComputeTask,
  type ComputeTaskInputAsset,
  type DisableOutputParam,
  type DisableOutputResponse,
  type GetTaskInputAssetsParam,
  type GetTaskInputAssetsResponse,
  type GetTaskParam,
  type QueryTasksParam,
  type QueryTasksResponse,
  type RegisterTasksParam,
  type RegisterTasksResponse,
  ComputeTaskSchema,
} from '../../asset/index.js';
import {
  validateApplyTaskActionParam,
  validateDisableOutputParam,
  validateGetTaskInputAssetsParam,
  validateGetTaskParam,
  validateQueryTasksParam,
  validateRegisterTasksParam,
} from '../../asset/validation/index.js';
import { badRequest, conflict, invalidAsset, notFound, OrcError, permissionDenied } from '../../errors/index.js';
import type { TaskFilter } from '../../persistence/index.js';
import { BaseService } from '../base.js';
import { emitEvent } from '../events.js';
import { USER_ACTION_REASON } from '../function.js';
import { pageRequest } from '../paging.js';
import { isFinalTaskStatus, nextTaskStatus, type TaskTransitionName } from '../taskstate.js';
import { buildTask } from './builder.js';
import { RegistrationLookups } from './lookups.js';
import { parentKeys } from './parents.js';
import { sortParentsFirst } from './toposort.js';

/** Who may send each client action: the worker runs the task, its owner may also stop it. */
const actionRules: Partial<Record<ComputeTaskAction, { transition: TaskTransitionName; ownerAllowed: boolean }>> = {
  [ComputeTaskAction.TASK_ACTION_EXECUTING]: { transition: 'executing', ownerAllowed: false },
  [ComputeTaskAction.TASK_ACTION_DONE]: { transition: 'done', ownerAllowed: false },
  [ComputeTaskAction.TASK_ACTION_CANCELED]: { transition: 'canceled', ownerAllowed: true },
  [ComputeTaskAction.TASK_ACTION_FAILED]: { transition: 'failed', ownerAllowed: true },
};

export class ComputeTaskService extends BaseService {
  async registerTasks(param: RegisterTasksParam): Promise<RegisterTasksResponse> {
    if (param.tasks.length === 0) throw badRequest('no task to register');
    validateRegisterTasksParam(param);
    const { dbal } = this.ctx;

    const keys = param.tasks.map((t) => t.key);
    const existing = new Set((await dbal.getComputeTasks(keys)).map((t) => t.key));
    const firstExisting = keys.find((k) => existing.has(k));
    if (firstExisting) throw conflict('computetask', firstExisting);

    const lookups = new RegistrationLookups(this.ctx);
    const inBatch = new Set(keys);
    const outside = [...new Set(param.tasks.flatMap(parentKeys))].filter((k) => !inBatch.has(k));
    for (const parent of await dbal.getComputeTasks(outside)) lookups.tasks.set(parent.key, parent);

    const { sorted, unsorted } = sortParentsFirst(
      param.tasks,
      (t) => t.key,
      parentKeys,
      (key) => lookups.tasks.has(key),
    );
    if (unsorted.length > 0) {
      throw invalidAsset(
        `cyclic dependency in compute plan graph or unknown task parent, unsorted_tasks_count: ${unsorted.length}`,
      );
    }

    const tasks: ComputeTask[] = [];
    for (const input of sorted) {
      const task = await buildTask(input, this.provider, lookups);
      lookups.tasks.set(task.key, task);
      tasks.push(task);
    }
    await dbal.addComputeTasks(tasks);
    for (const task of tasks) emitEvent(this.ctx, EventKind.EVENT_ASSET_CREATED, 'computeTask', task.key, task);
    return create(RegisterTasksResponseSchema, { tasks });
  }

  async getTask(param: GetTaskParam): Promise<ComputeTask> {
    validateGetTaskParam(param);
    return this.load(param.key);
  }

  async load(key: string): Promise<ComputeTask> {
    const task = await this.ctx.dbal.getComputeTask(key);
    if (!task) throw notFound('computetask', key);
    return task;
  }

  async queryTasks(param: QueryTasksParam): Promise<QueryTasksResponse> {
    validateQueryTasksParam(param);
    const f = param.filter;
    const filter: TaskFilter = {};
    if (f?.worker) filter.worker = f.worker;
    if (f?.status) filter.status = f.status;
    if (f?.computePlanKey) filter.computePlanKey = f.computePlanKey;
    if (f?.functionKey) filter.functionKey = f.functionKey;
    const page = await this.ctx.dbal.queryComputeTasks(
      pageRequest(param.pageToken, param.pageSize, ComputeTaskSchema),
      filter,
    );
    return create(QueryTasksResponseSchema, { tasks: page.items, nextPageToken: page.nextToken });
  }

  async applyTaskAction(param: ApplyTaskActionParam): Promise<ApplyTaskActionResponse> {
    validateApplyTaskActionParam(param);
    const rule = actionRules[param.action];
    const task = await this.load(param.computeTaskKey);
    const requester = this.ctx.requester;
    if (!rule) throw permissionDenied(`action ${ComputeTaskAction[param.action]} cannot be sent by a client`);
    const allowed = requester === task.worker || (rule.ownerAllowed && requester === task.owner);
    if (!allowed) {
      throw permissionDenied(
        rule.ownerAllowed ? 'only task owner or worker can update it' : 'only task worker can update it',
      );
    }
    await this.transition(task, rule.transition, param.log || USER_ACTION_REASON);
    return create(ApplyTaskActionResponseSchema);
  }

  /**
   * Applies one state-machine transition, records it as an event, then carries its consequences: a done task may
   * release its children, a failed task terminates its plan.
   */
  async transition(task: ComputeTask, transition: TaskTransitionName, reason: string): Promise<void> {
    const next = nextTaskStatus(task.status, transition);
    if (next === undefined) {
      throw badRequest(
        `cannot apply transition "${transition}" to compute task "${task.key}" in status ${ComputeTaskStatus[task.status]}`,
      );
    }
    task.status = next;
    await this.ctx.dbal.updateComputeTaskStatus(task.key, next);
    emitEvent(this.ctx, EventKind.EVENT_ASSET_UPDATED, 'computeTask', task.key, task, { reason });

    if (next === ComputeTaskStatus.STATUS_DONE) await this.releaseChildren(task);
    if (next === ComputeTaskStatus.STATUS_FAILED) await this.provider.computePlan.fail(task.computePlanKey);
  }

  async allParentsDone(task: ComputeTask): Promise<boolean> {
    const keys = parentKeys(task);
    if (keys.length === 0) return true;
    const parents = await this.ctx.dbal.getComputeTasks(keys);
    return parents.length === keys.length && parents.every((p) => p.status === ComputeTaskStatus.STATUS_DONE);
  }

  private async releaseChildren(parent: ComputeTask): Promise<void> {
    for (const child of await this.ctx.dbal.getComputeTaskChildren(parent.key)) {
      if (child.status !== ComputeTaskStatus.STATUS_WAITING_FOR_PARENT_TASKS) continue;
      if (await this.allParentsDone(child)) {
        await this.transition(child, 'waitingExecutorSlot', `Last parent task ${parent.key} done`);
      }
    }
  }

  async getTaskInputAssets(param: GetTaskInputAssetsParam): Promise<GetTaskInputAssetsResponse> {
    validateGetTaskInputAssetsParam(param);
    const task = await this.load(param.computeTaskKey);
    const S = ComputeTaskStatus;
    if (![S.STATUS_EXECUTING, S.STATUS_WAITING_FOR_EXECUTOR_SLOT, S.STATUS_FAILED].includes(task.status)) {
      throw badRequest(`Task inputs may not be defined in current task status (${S[task.status]})`);
    }
    const fn = await this.provider.function.load(task.functionKey);
    const assets: ComputeTaskInputAsset[] = [];
    for (const input of task.inputs) {
      const identifier = input.identifier;
      if (input.ref.case === 'assetKey') {
        const kind = fn.inputs[identifier]?.kind ?? AssetKind.ASSET_UNKNOWN;
        assets.push(await this.inputAsset(identifier, kind, input.ref.value));
      } else if (input.ref.case === 'parentTaskOutput') {
        const { parentTaskKey, outputIdentifier } = input.ref.value;
        for (const produced of await this.ctx.dbal.getComputeTaskOutputAssets(parentTaskKey, outputIdentifier)) {
          assets.push(await this.inputAsset(identifier, produced.assetKind, produced.assetKey));
        }
      }
    }
    return create(GetTaskInputAssetsResponseSchema, { assets });
  }

  private async inputAsset(identifier: string, kind: AssetKind, key: string): Promise<ComputeTaskInputAsset> {
    switch (kind) {
      case AssetKind.ASSET_MODEL:
        return create(ComputeTaskInputAssetSchema, {
          identifier,
          asset: { case: 'model', value: await this.provider.model.load(key) },
        });
      case AssetKind.ASSET_DATA_MANAGER:
        return create(ComputeTaskInputAssetSchema, {
          identifier,
          asset: { case: 'dataManager', value: await this.provider.dataManager.load(key) },
        });
      case AssetKind.ASSET_DATA_SAMPLE: {
        const [sample] = await this.ctx.dbal.getDataSamples([key]);
        if (!sample) throw notFound('datasample', key);
        return create(ComputeTaskInputAssetSchema, { identifier, asset: { case: 'dataSample', value: sample } });
      }
      default:
        throw new OrcError(
          'Unimplemented',
          `task input "${identifier}": assets of kind ${AssetKind[kind]} cannot be inputs`,
        );
    }
  }

  /**
   * Forgets the models of a transient output once every consumer is finished. A model already disabled is skipped,
   * so repeating the call is harmless.
   */
  async disableOutput(param: DisableOutputParam): Promise<DisableOutputResponse> {
    validateDisableOutputParam(param);
    const task = await this.load(param.computeTaskKey);
    const cannot = (why: string) => new OrcError('CannotDisableOutput', `cannot disable asset: ${why}`);
    if (task.worker !== this.ctx.requester) throw permissionDenied('only the task worker can disable its outputs');
    if (!isFinalTaskStatus(task.status)) throw cannot('task not in final state');
    const output = task.outputs[param.identifier];
    if (!output) throw cannot(`task has no output "${param.identifier}"`);
    if (!output.transient) throw cannot('output is not transient');
    const produced = await this.ctx.dbal.getComputeTaskOutputAssets(task.key, param.identifier);
    if (produced.length === 0) throw cannot('no asset registered on this output');
    if (produced.some((a) => a.assetKind !== AssetKind.ASSET_MODEL)) throw cannot('only models can be disabled');
    const children = await this.ctx.dbal.getComputeTaskChildren(task.key);
    if (children.length === 0) throw cannot('cannot disable output of a task with no children');
    if (!children.every((c) => isFinalTaskStatus(c.status))) throw cannot('some children are not in a final state');

    for (const { assetKey } of produced) {
      const model = await this.provider.model.load(assetKey);
      if (model.address === undefined) continue;
      model.address = undefined;
      await this.ctx.dbal.updateModel(model);
      emitEvent(this.ctx, EventKind.EVENT_ASSET_DISABLED, 'model', model.key, model);
    }
    return create(DisableOutputResponseSchema);
  }
}
