import type { GetComputeTaskModelsParam, GetModelParam, NewModel, RegisterModelsParam } from '../index.js';
import { checkRequiredAddressable } from './addressable.js';
import { checkKey, checkUniqueKeys, fieldPath, itemPath, Violations } from './rules.js';

function checkNewModel(v: Violations, path: string, model: NewModel): void {
  checkKey(v, fieldPath(path, 'key'), model.key);
  checkKey(v, fieldPath(path, 'compute_task_key'), model.computeTaskKey);
  v.string(fieldPath(path, 'compute_task_output_identifier'), model.computeTaskOutputIdentifier).required();
  checkRequiredAddressable(v, fieldPath(path, 'address'), model.address);
}

export function validateNewModel(model: NewModel): void {
  const v = new Violations();
  checkNewModel(v, '', model);
  v.throwIfAny('model');
}

/** An empty list is refused here: Substra read models[0] of it and crashed. */
export function validateRegisterModelsParam(param: RegisterModelsParam): void {
  const v = new Violations();
  if (param.models.length === 0) v.add('models', 'cannot be blank');
  param.models.forEach((model, i) => checkNewModel(v, itemPath('models', i), model));
  checkUniqueKeys(
    v,
    'models',
    param.models.map((m) => m.key),
  );
  v.throwIfAny('model');
}

export function validateGetModelParam(param: GetModelParam): void {
  const v = new Violations();
  checkKey(v, 'key', param.key);
  v.throwIfAny('model');
}

export function validateGetComputeTaskModelsParam(param: GetComputeTaskModelsParam): void {
  const v = new Violations();
  checkKey(v, 'compute_task_key', param.computeTaskKey);
  v.throwIfAny('model');
}
