import {
  AssetKind,
  AssetKindSchema,
  FunctionAction,
  FunctionActionSchema,
  type ApplyFunctionActionParam,
  type FunctionInput,
  type FunctionOutput,
  type GetFunctionParam,
  type NewFunction,
  type QueryFunctionsParam,
  type UpdateFunctionParam,
} from '../index.js';
import { checkRequiredAddressable, checkStorableAddressable } from './addressable.js';
import { checkMetadata } from './metadata.js';
import { checkRequiredPermissions } from './permissions.js';
import {
  byteLength,
  checkKey,
  checkName,
  checkOptionalKey,
  entryPath,
  fieldPath,
  sortedKeys,
  Violations,
} from './rules.js';

const INPUT_KINDS = [AssetKind.ASSET_MODEL, AssetKind.ASSET_DATA_SAMPLE, AssetKind.ASSET_DATA_MANAGER];
const OUTPUT_KINDS = [AssetKind.ASSET_MODEL, AssetKind.ASSET_PERFORMANCE];
const FUNCTION_ACTIONS = [
  FunctionAction.BUILDING,
  FunctionAction.CANCELED,
  FunctionAction.FAILED,
  FunctionAction.READY,
];
const MAX_IDENTIFIER_BYTES = 100;

/** Input and output identifiers are map keys: Required and 1..100 bytes. */
function checkIdentifier(v: Violations, path: string, identifier: string): void {
  if (identifier === '') v.add(path, 'identifier cannot be blank');
  else if (byteLength(identifier) > MAX_IDENTIFIER_BYTES) {
    v.add(
      path,
      `identifier length must be between 1 and ${MAX_IDENTIFIER_BYTES} bytes (got ${byteLength(identifier)})`,
    );
  }
}

function checkInputs(v: Violations, inputs: Readonly<Record<string, FunctionInput>>): void {
  let dataManagers = 0;
  let dataSamples = 0;
  for (const identifier of sortedKeys(inputs)) {
    const input = inputs[identifier]!;
    const path = entryPath('inputs', identifier);
    checkIdentifier(v, path, identifier);
    v.oneOf(fieldPath(path, 'kind'), input.kind, AssetKindSchema, INPUT_KINDS);
    if (input.kind === AssetKind.ASSET_DATA_SAMPLE) dataSamples++;
    if (input.kind === AssetKind.ASSET_DATA_MANAGER) {
      dataManagers++;
      if (input.multiple) v.add(fieldPath(path, 'multiple'), 'a data manager input cannot be multiple');
      if (input.optional) v.add(fieldPath(path, 'optional'), 'a data manager input cannot be optional');
    }
  }
  // A task reads its samples through its data manager's opener: one goes with the other.
  if (dataManagers > 1) v.add('inputs', `at most one data manager input is allowed (got ${dataManagers})`);
  if (dataManagers > 0 && dataSamples === 0) v.add('inputs', 'a data manager input requires a data sample input');
  if (dataSamples > 0 && dataManagers === 0) v.add('inputs', 'a data sample input requires a data manager input');
}

function checkOutputs(v: Violations, outputs: Readonly<Record<string, FunctionOutput>>): void {
  for (const identifier of sortedKeys(outputs)) {
    const output = outputs[identifier]!;
    const path = entryPath('outputs', identifier);
    checkIdentifier(v, path, identifier);
    v.oneOf(fieldPath(path, 'kind'), output.kind, AssetKindSchema, OUTPUT_KINDS);
    if (output.kind === AssetKind.ASSET_PERFORMANCE && output.multiple) {
      v.add(fieldPath(path, 'multiple'), 'a performance output cannot be multiple');
    }
  }
}

export function validateNewFunction(fn: NewFunction): void {
  const v = new Violations();
  checkKey(v, 'key', fn.key);
  checkName(v, 'name', fn.name);
  checkRequiredAddressable(v, 'description', fn.description);
  checkRequiredAddressable(v, 'archive', fn.archive);
  checkRequiredPermissions(v, 'new_permissions', fn.newPermissions);
  checkMetadata(v, '', fn.metadata);
  checkInputs(v, fn.inputs);
  checkOutputs(v, fn.outputs);
  v.throwIfAny('function');
}

/** Substra does not validate `image`; only what storage cannot hold is refused. */
export function validateUpdateFunctionParam(param: UpdateFunctionParam): void {
  const v = new Violations();
  checkKey(v, 'key', param.key);
  checkName(v, 'name', param.name);
  checkStorableAddressable(v, 'image', param.image);
  v.throwIfAny('function');
}

export function validateGetFunctionParam(param: GetFunctionParam): void {
  const v = new Violations();
  checkKey(v, 'key', param.key);
  v.throwIfAny('function');
}

export function validateQueryFunctionsParam(param: QueryFunctionsParam): void {
  const v = new Violations();
  if (param.filter) checkOptionalKey(v, 'filter.compute_plan_key', param.filter.computePlanKey);
  v.throwIfAny('function');
}

/** Only the four client actions; FUNCTION_ACTION_UNKNOWN (0) is refused here rather than deep in the service. */
export function validateApplyFunctionActionParam(param: ApplyFunctionActionParam): void {
  const v = new Violations();
  checkKey(v, 'function_key', param.functionKey);
  v.oneOf('action', param.action, FunctionActionSchema, FUNCTION_ACTIONS);
  v.throwIfAny('function');
}
