import { describe, expect, it } from 'vitest';
import { create } from '@bufbuild/protobuf';
import { NewPerformanceSchema, QueryPerformancesParamSchema } from '../../../lib/asset/index.js';
import { validateNewPerformance, validateQueryPerformancesParam } from '../../../lib/asset/validation/index.js';
import { expectInvalid, uuid } from './helpers.js';

describe('validateNewPerformance', () => {
  const perf = (extra: object = {}) =>
    create(NewPerformanceSchema, {
      computeTaskKey: uuid(1),
      computeTaskOutputIdentifier: 'auc',
      performanceValue: 0.5,
      ...extra,
    });

  it('accepts a performance, whatever its value (0 and negatives included)', () => {
    expect(() => validateNewPerformance(perf())).not.toThrow();
    expect(() => validateNewPerformance(perf({ performanceValue: 0 }))).not.toThrow();
    expect(() => validateNewPerformance(perf({ performanceValue: -3 }))).not.toThrow();
  });

  it.each<[string, object, string, string]>([
    ['empty compute_task_key', { computeTaskKey: '' }, 'compute_task_key', 'cannot be blank'],
    ['upper-case compute_task_key', { computeTaskKey: uuid(1).toUpperCase() }, 'compute_task_key', 'UUID'],
    [
      'empty output identifier',
      { computeTaskOutputIdentifier: '' },
      'compute_task_output_identifier',
      'cannot be blank',
    ],
    ['a NaN value', { performanceValue: Number.NaN }, 'performance_value', 'finite'],
    ['an infinite value', { performanceValue: Number.POSITIVE_INFINITY }, 'performance_value', 'finite'],
  ])('refuses %s', (_n, extra, path, reason) => {
    expectInvalid(() => validateNewPerformance(perf(extra)), 'performance', [path, reason]);
  });
});

describe('validateQueryPerformancesParam', () => {
  it('accepts no filter, an empty filter, a UUID task key and any identifier', () => {
    expect(() => validateQueryPerformancesParam(create(QueryPerformancesParamSchema, {}))).not.toThrow();
    expect(() =>
      validateQueryPerformancesParam(
        create(QueryPerformancesParamSchema, { filter: { computeTaskKey: uuid(1), computeTaskOutputIdentifier: 'x' } }),
      ),
    ).not.toThrow();
  });

  it('refuses a non-UUID task key filter', () => {
    expectInvalid(
      () => validateQueryPerformancesParam(create(QueryPerformancesParamSchema, { filter: { computeTaskKey: 'x' } })),
      'performance',
      ['filter.compute_task_key', 'UUID'],
    );
  });
});
