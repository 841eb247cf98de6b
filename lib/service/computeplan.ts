import { create } from '@bufbuild/protobuf';
import {
  ApplyPlanActionResponseSchema,
  ComputePlanSchema,
  ComputeTaskStatus,
  EventKind,
  IsPlanRunningResponseSchema,
  QueryPlansResponseSchema,
  UpdateComputePlanResponseSchema,
  type ApplyPlanActionParam,
  type ApplyPlanActionResponse,
  type ComputePlan,
  type GetComputePlanParam,
  type IsPlanRunningParam,
  type IsPlanRunningResponse,
  type NewComputePlan,
  type QueryPlansParam,
  type QueryPlansResponse,
  type UpdateComputePlanParam,
  type UpdateComputePlanResponse,
} from '../asset/index.js';
import {
  validateApplyPlanActionParam,
  validateGetComputePlanParam,
  validateIsPlanRunningParam,
  validateNewComputePlan,
  validateUpdateComputePlanParam,
} from '../asset/validation/index.js';
import { conflict, notFound, OrcError, permissionDenied } from '../errors/index.js';
import { BaseService } from './base.js';
import { emitEvent } from './events.js';
import { pageRequest } from './paging.js';
import { ACTIVE_TASK_STATUSES } from './taskstate.js';

function isTerminated(plan: ComputePlan): boolean {
  return plan.cancelationDate !== undefined || plan.failureDate !== undefined;
}

export class ComputePlanService extends BaseService {
  async registerPlan(input: NewComputePlan): Promise<ComputePlan> {
    validateNewComputePlan(input);
    await this.provider.organization.requireRegisteredRequester();
    const { dbal, requester, clock } = this.ctx;
    if (await dbal.getComputePlan(input.key)) throw conflict('computeplan', input.key);
    const plan = create(ComputePlanSchema, {
      key: input.key,
      owner: requester,
      creationDate: clock.now(),
      tag: input.tag,
      metadata: input.metadata,
      name: input.name,
    });
    await dbal.addComputePlan(plan);
    emitEvent(this.ctx, EventKind.EVENT_ASSET_CREATED, 'computePlan', plan.key, plan);
    return plan;
  }

  async getPlan(param: GetComputePlanParam): Promise<ComputePlan> {
    validateGetComputePlanParam(param);
    return this.load(param.key);
  }

  async load(key: string): Promise<ComputePlan> {
    const plan = await this.ctx.dbal.getComputePlan(key);
    if (!plan) throw notFound('computeplan', key);
    return plan;
  }

  async queryPlans(param: QueryPlansParam): Promise<QueryPlansResponse> {
    const owner = param.filter?.owner;
    const page = await this.ctx.dbal.queryComputePlans(
      pageRequest(param.pageToken, param.pageSize, ComputePlanSchema),
      owner ? { owner } : {},
    );
    return create(QueryPlansResponseSchema, { plans: page.items, nextPageToken: page.nextToken });
  }

  async updatePlan(param: UpdateComputePlanParam): Promise<UpdateComputePlanResponse> {
    validateUpdateComputePlanParam(param);
    const plan = await this.load(param.key);
    if (plan.owner !== this.ctx.requester) throw permissionDenied('requester does not own the compute plan');
    plan.name = param.name;
    await this.ctx.dbal.updateComputePlan(plan);
    emitEvent(this.ctx, EventKind.EVENT_ASSET_UPDATED, 'computePlan', plan.key, plan);
    return create(UpdateComputePlanResponseSchema);
  }

  /** Cancelling a plan only dates it: the backend cancels the tasks itself (Substra's behaviour). */
  async applyPlanAction(param: ApplyPlanActionParam): Promise<ApplyPlanActionResponse> {
    validateApplyPlanActionParam(param);
    const plan = await this.load(param.key);
    if (plan.owner !== this.ctx.requester) throw permissionDenied('only plan owner can act on it');
    if (isTerminated(plan)) {
      throw new OrcError('TerminatedComputePlan', `compute plan "${plan.key}" is already terminated`);
    }
    plan.cancelationDate = this.ctx.clock.now();
    await this.ctx.dbal.updateComputePlan(plan);
    emitEvent(this.ctx, EventKind.EVENT_ASSET_UPDATED, 'computePlan', plan.key, plan);
    return create(ApplyPlanActionResponseSchema);
  }

  /**
   * Deterministic version of Substra's intended rule: a terminated plan, or one with a canceled or failed task, is not
   * running; otherwise it runs while some task is active.
   */
  async isPlanRunning(param: IsPlanRunningParam): Promise<IsPlanRunningResponse> {
    validateIsPlanRunningParam(param);
    const plan = await this.load(param.key);
    let isRunning = false;
    if (!isTerminated(plan)) {
      const statuses = await this.ctx.dbal.getComputePlanTaskStatuses(plan.key);
      const stopped = statuses.has(ComputeTaskStatus.STATUS_CANCELED) || statuses.has(ComputeTaskStatus.STATUS_FAILED);
      isRunning = !stopped && [...statuses].some((s) => ACTIVE_TASK_STATUSES.has(s));
    }
    return create(IsPlanRunningResponseSchema, { isRunning });
  }

  /** A failed task terminates its plan; like Substra, this emits no event. */
  async fail(planKey: string): Promise<void> {
    const plan = await this.load(planKey);
    if (isTerminated(plan)) return;
    plan.failureDate = this.ctx.clock.now();
    await this.ctx.dbal.updateComputePlan(plan);
  }
}
