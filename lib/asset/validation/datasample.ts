import type {
  GetDataSampleParam,
  NewDataSample,
  QueryDataSamplesParam,
  RegisterDataSamplesParam,
  UpdateDataSamplesParam,
} from '../index.js';
import { checkKey, checkUniqueKeys, fieldPath, itemPath, Violations } from './rules.js';

/**
 * Keys inside a key list must be UUIDs and non-empty: Substra's Each(is.UUID) let "" through (is.UUID skips empty
 * values) to fail later as NOT_FOUND or a raw database error.
 */
function checkKeyList(v: Violations, path: string, keys: readonly string[]): void {
  keys.forEach((key, i) => checkKey(v, itemPath(path, i), key));
}

function checkNewDataSample(v: Violations, path: string, sample: NewDataSample): void {
  checkKey(v, fieldPath(path, 'key'), sample.key);
  checkKeyList(v, fieldPath(path, 'data_manager_keys'), sample.dataManagerKeys);
  v.string(fieldPath(path, 'checksum'), sample.checksum).required().exactBytes(64).hexadecimal();
}

export function validateNewDataSample(sample: NewDataSample): void {
  const v = new Violations();
  checkNewDataSample(v, '', sample);
  v.throwIfAny('datasample');
}

/** An empty batch stays valid (Substra answers it with an empty list). */
export function validateRegisterDataSamplesParam(param: RegisterDataSamplesParam): void {
  const v = new Violations();
  param.samples.forEach((sample, i) => checkNewDataSample(v, itemPath('samples', i), sample));
  checkUniqueKeys(
    v,
    'samples',
    param.samples.map((s) => s.key),
  );
  v.throwIfAny('datasample');
}

export function validateUpdateDataSamplesParam(param: UpdateDataSamplesParam): void {
  const v = new Violations();
  if (param.keys.length === 0) v.add('keys', 'cannot be blank');
  checkKeyList(v, 'keys', param.keys);
  checkKeyList(v, 'data_manager_keys', param.dataManagerKeys);
  v.throwIfAny('datasample');
}

export function validateGetDataSampleParam(param: GetDataSampleParam): void {
  const v = new Violations();
  checkKey(v, 'key', param.key);
  v.throwIfAny('datasample');
}

export function validateQueryDataSamplesParam(param: QueryDataSamplesParam): void {
  const v = new Violations();
  if (param.filter) checkKeyList(v, 'filter.keys', param.filter.keys);
  v.throwIfAny('datasample');
}
