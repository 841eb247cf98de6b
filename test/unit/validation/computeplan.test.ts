import { describe, expect, it } from 'vitest';
import { create } from '@bufbuild/protobuf';
import {
  ApplyPlanActionParamSchema,
  ComputePlanAction,
  GetComputePlanParamSchema,
  IsPlanRunningParamSchema,
  NewComputePlanSchema,
  UpdateComputePlanParamSchema,
  type NewComputePlan,
} from '../../../lib/asset/index.js';
import {
  validateApplyPlanActionParam,
  validateGetComputePlanParam,
  validateIsPlanRunningParam,
  validateNewComputePlan,
  validateUpdateComputePlanParam,
} from '../../../lib/asset/validation/index.js';
import { bytes, expectInvalid, uuid } from './helpers.js';

const plan = (extra: Partial<NewComputePlan> = {}) =>
  create(NewComputePlanSchema, { key: uuid(1), name: 'plan', tag: 'tag', metadata: { k: 'v' }, ...extra });

describe('validateNewComputePlan', () => {
  it('accepts a plan, with an empty tag, and a 100-byte tag', () => {
    expect(() => validateNewComputePlan(plan())).not.toThrow();
    expect(() => validateNewComputePlan(plan({ tag: '' }))).not.toThrow();
    expect(() => validateNewComputePlan(plan({ tag: bytes(100) }))).not.toThrow();
  });

  it.each<[string, Partial<NewComputePlan>, string, string]>([
    ['empty key', { key: '' }, 'key', 'cannot be blank'],
    ['upper-case key', { key: uuid(1).toUpperCase() }, 'key', 'UUID'],
    ['101-byte tag', { tag: bytes(101) }, 'tag', 'no more than 100 bytes (got 101)'],
    ['empty name (name is required)', { name: '' }, 'name', 'cannot be blank'],
    ['101-byte name', { name: bytes(101) }, 'name', 'between 1 and 100'],
    ['long metadata key', { metadata: { ['k'.repeat(101)]: '' } }, `metadata["${'k'.repeat(101)}"]`, 'key is too long'],
  ])('refuses %s', (_n, extra, path, reason) => {
    expectInvalid(() => validateNewComputePlan(plan(extra)), 'computeplan', [path, reason]);
  });
});

describe('computeplan params', () => {
  it('UpdateComputePlanParam needs a UUID key and a valid name', () => {
    expect(() =>
      validateUpdateComputePlanParam(create(UpdateComputePlanParamSchema, { key: uuid(1), name: 'n' })),
    ).not.toThrow();
    expectInvalid(
      () => validateUpdateComputePlanParam(create(UpdateComputePlanParamSchema, { key: uuid(1) })),
      'computeplan',
      ['name', 'cannot be blank'],
    );
    expectInvalid(
      () => validateUpdateComputePlanParam(create(UpdateComputePlanParamSchema, { key: 'x', name: 'n' })),
      'computeplan',
      ['key', 'UUID'],
    );
  });

  it('GetComputePlanParam and IsPlanRunningParam need a UUID key', () => {
    expect(() => validateGetComputePlanParam(create(GetComputePlanParamSchema, { key: uuid(1) }))).not.toThrow();
    expect(() => validateIsPlanRunningParam(create(IsPlanRunningParamSchema, { key: uuid(1) }))).not.toThrow();
    expectInvalid(() => validateGetComputePlanParam(create(GetComputePlanParamSchema, {})), 'computeplan', [
      'key',
      'cannot be blank',
    ]);
    expectInvalid(() => validateIsPlanRunningParam(create(IsPlanRunningParamSchema, { key: 'abc' })), 'computeplan', [
      'key',
      'UUID',
    ]);
  });

  it('ApplyPlanActionParam accepts CANCELED only', () => {
    const p = (action: number, key = uuid(1)) => create(ApplyPlanActionParamSchema, { key, action });
    expect(() => validateApplyPlanActionParam(p(ComputePlanAction.PLAN_ACTION_CANCELED))).not.toThrow();
    expectInvalid(() => validateApplyPlanActionParam(p(ComputePlanAction.PLAN_ACTION_UNKNOWN)), 'computeplan', [
      'action',
      'must be one of PLAN_ACTION_CANCELED (got PLAN_ACTION_UNKNOWN)',
    ]);
    expectInvalid(() => validateApplyPlanActionParam(p(7)), 'computeplan', ['action', 'got 7']);
    expectInvalid(() => validateApplyPlanActionParam(p(1, 'K')), 'computeplan', ['key', 'UUID']);
  });
});
