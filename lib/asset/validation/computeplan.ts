import {
  ComputePlanAction,
  ComputePlanActionSchema,
  type ApplyPlanActionParam,
  type GetComputePlanParam,
  type IsPlanRunningParam,
  type NewComputePlan,
  type UpdateComputePlanParam,
} from '../index.js';
import { checkMetadata } from './metadata.js';
import { checkKey, checkName, Violations } from './rules.js';

export function validateNewComputePlan(plan: NewComputePlan): void {
  const v = new Violations();
  checkKey(v, 'key', plan.key);
  v.string('tag', plan.tag).maxBytes(100);
  checkName(v, 'name', plan.name);
  checkMetadata(v, '', plan.metadata);
  v.throwIfAny('computeplan');
}

export function validateUpdateComputePlanParam(param: UpdateComputePlanParam): void {
  const v = new Violations();
  checkKey(v, 'key', param.key);
  checkName(v, 'name', param.name);
  v.throwIfAny('computeplan');
}

export function validateGetComputePlanParam(param: GetComputePlanParam): void {
  const v = new Violations();
  checkKey(v, 'key', param.key);
  v.throwIfAny('computeplan');
}

export function validateIsPlanRunningParam(param: IsPlanRunningParam): void {
  const v = new Violations();
  checkKey(v, 'key', param.key);
  v.throwIfAny('computeplan');
}

/** CANCELED is the only plan action; Substra answered PLAN_ACTION_UNKNOWN with OE0010 after loading the plan. */
export function validateApplyPlanActionParam(param: ApplyPlanActionParam): void {
  const v = new Violations();
  checkKey(v, 'key', param.key);
  v.oneOf('action', param.action, ComputePlanActionSchema, [ComputePlanAction.PLAN_ACTION_CANCELED]);
  v.throwIfAny('computeplan');
}
