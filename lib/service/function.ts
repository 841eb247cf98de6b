import { create } from '@bufbuild/protobuf';
import {
  AddressableSchema,
  ApplyFunctionActionResponseSchema,
  ComputeTaskStatus,
  EventKind,
  FunctionAction,
  FunctionSchema,
  FunctionStatus,
  QueryFunctionsResponseSchema,
  UpdateFunctionResponseSchema,
  type ApplyFunctionActionParam,
  type ApplyFunctionActionResponse,
  type Function as OrcFunction,
  type GetFunctionParam,
  type NewFunction,
  type QueryFunctionsParam,
  type QueryFunctionsResponse,
  type UpdateFunctionParam,
  type UpdateFunctionResponse,
} from '../asset/index.js';
import {
  validateApplyFunctionActionParam,
  validateGetFunctionParam,
  validateNewFunction,
  validateQueryFunctionsParam,
  validateUpdateFunctionParam,
} from '../asset/validation/index.js';
import { badRequest, conflict, invalidAsset, notFound, permissionDenied } from '../errors/index.js';
import { BaseService } from './base.js';
import { emitEvent } from './events.js';
import { nextFunctionStatus } from './functionstate.js';
import { pageRequest } from './paging.js';
import { createPermissions } from './permissions.js';

export const USER_ACTION_REASON = 'User action';

export class FunctionService extends BaseService {
  async registerFunction(input: NewFunction): Promise<OrcFunction> {
    validateNewFunction(input);
    await this.provider.organization.requireRegisteredRequester();
    const { dbal, requester, clock } = this.ctx;
    if (await dbal.getFunction(input.key)) throw conflict('function', input.key);
    const fn = create(FunctionSchema, {
      key: input.key,
      name: input.name,
      description: input.description,
      archive: input.archive,
      permissions: await createPermissions(this.ctx, requester, input.newPermissions),
      owner: requester,
      creationDate: clock.now(),
      metadata: input.metadata,
      inputs: input.inputs,
      outputs: input.outputs,
      status: FunctionStatus.WAITING,
      image: create(AddressableSchema),
    });
    await dbal.addFunction(fn);
    emitEvent(this.ctx, EventKind.EVENT_ASSET_CREATED, 'function', fn.key, fn);
    return fn;
  }

  async getFunction(param: GetFunctionParam): Promise<OrcFunction> {
    validateGetFunctionParam(param);
    return this.load(param.key);
  }

  async load(key: string): Promise<OrcFunction> {
    const fn = await this.ctx.dbal.getFunction(key);
    if (!fn) throw notFound('function', key);
    return fn;
  }

  async queryFunctions(param: QueryFunctionsParam): Promise<QueryFunctionsResponse> {
    validateQueryFunctionsParam(param);
    const filter = param.filter?.computePlanKey ? { computePlanKey: param.filter.computePlanKey } : {};
    const page = await this.ctx.dbal.queryFunctions(
      pageRequest(param.pageToken, param.pageSize, FunctionSchema),
      filter,
    );
    return create(QueryFunctionsResponseSchema, { Functions: page.items, nextPageToken: page.nextToken });
  }

  async updateFunction(param: UpdateFunctionParam): Promise<UpdateFunctionResponse> {
    validateUpdateFunctionParam(param);
    const fn = await this.load(param.key);
    if (fn.owner !== this.ctx.requester) throw permissionDenied('requester does not own the function');
    fn.name = param.name;
    if (param.image?.checksum) fn.image = create(AddressableSchema, param.image);
    if (!fn.image?.checksum && fn.status === FunctionStatus.READY) {
      throw invalidAsset('function is not valid: image: required when the function is ready');
    }
    await this.ctx.dbal.updateFunction(fn);
    emitEvent(this.ctx, EventKind.EVENT_ASSET_UPDATED, 'function', fn.key, fn);
    return create(UpdateFunctionResponseSchema);
  }

  async applyFunctionAction(param: ApplyFunctionActionParam): Promise<ApplyFunctionActionResponse> {
    validateApplyFunctionActionParam(param);
    const fn = await this.load(param.functionKey);
    if (fn.owner !== this.ctx.requester) throw permissionDenied('only function owner can update it');
    await this.applyAction(fn, param.action, USER_ACTION_REASON);
    return create(ApplyFunctionActionResponseSchema);
  }

  /** Moves a function through its build states and carries the consequence to its tasks. */
  async applyAction(fn: OrcFunction, action: FunctionAction, reason: string): Promise<void> {
    const next = nextFunctionStatus(fn.status, action);
    if (next === undefined) {
      throw badRequest(
        `cannot apply ${FunctionAction[action]} to function "${fn.key}" in status ${FunctionStatus[fn.status]}`,
      );
    }
    fn.status = next;
    await this.ctx.dbal.updateFunction(fn);
    emitEvent(this.ctx, EventKind.EVENT_ASSET_UPDATED, 'function', fn.key, fn, { reason });
    await this.propagateToTasks(fn, reason);
  }

  /**
   * Tasks wait for their function's build. One deliberate departure from Substra: cancelling a function still
   * WAITING also cancels its tasks waiting for a builder slot, which Substra left stranded forever.
   */
  private async propagateToTasks(fn: OrcFunction, reason: string): Promise<void> {
    const tasks = this.provider.computeTask;
    const S = ComputeTaskStatus;
    switch (fn.status) {
      case FunctionStatus.BUILDING:
        for (const task of await this.tasksWithStatus(fn.key, [S.STATUS_WAITING_FOR_BUILDER_SLOT])) {
          await tasks.transition(task, 'building', reason);
        }
        return;
      case FunctionStatus.READY:
        for (const task of await this.tasksWithStatus(fn.key, [S.STATUS_BUILDING])) {
          const parentsDone = await tasks.allParentsDone(task);
          const transition = parentsDone ? 'waitingExecutorSlot' : 'waitingParentTasks';
          await tasks.transition(task, transition, `Function ${fn.key} finished building`);
        }
        return;
      case FunctionStatus.FAILED:
        for (const task of await this.tasksWithStatus(fn.key, [S.STATUS_BUILDING])) {
          await tasks.transition(task, 'failed', reason);
        }
        return;
      case FunctionStatus.CANCELED:
        for (const task of await this.tasksWithStatus(fn.key, [S.STATUS_WAITING_FOR_BUILDER_SLOT, S.STATUS_BUILDING])) {
          await tasks.transition(task, 'canceled', reason);
        }
        return;
      default:
        return;
    }
  }

  private tasksWithStatus(functionKey: string, statuses: ComputeTaskStatus[]) {
    return this.ctx.dbal.getFunctionTasksWithStatus(functionKey, statuses);
  }
}
