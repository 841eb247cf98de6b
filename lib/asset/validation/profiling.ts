import type { ProfilingStep } from '../index.js';
import { checkKey, checkName, Violations } from './rules.js';

export function validateProfilingStep(step: ProfilingStep): void {
  const v = new Violations();
  checkKey(v, 'asset_key', step.assetKey);
  checkName(v, 'step', step.step);
  // Substra's Required on a number: a zero duration means the backend measured nothing.
  if (step.duration === 0) v.add('duration', 'cannot be blank (must be greater than 0)');
  v.throwIfAny('profiling_step');
}
