import type { NewPerformance, QueryPerformancesParam } from '../index.js';
import { checkKey, checkOptionalKey, Violations } from './rules.js';

export function validateNewPerformance(perf: NewPerformance): void {
  const v = new Violations();
  checkKey(v, 'compute_task_key', perf.computeTaskKey);
  v.string('compute_task_output_identifier', perf.computeTaskOutputIdentifier).required();
  // NaN and infinities are no score, and PostgreSQL's numeric cannot store them: refuse them in every backend.
  if (!Number.isFinite(perf.performanceValue)) v.add('performance_value', 'must be a finite number');
  v.throwIfAny('performance');
}

export function validateQueryPerformancesParam(param: QueryPerformancesParam): void {
  const v = new Violations();
  if (param.filter) checkOptionalKey(v, 'filter.compute_task_key', param.filter.computeTaskKey);
  v.throwIfAny('performance');
}
