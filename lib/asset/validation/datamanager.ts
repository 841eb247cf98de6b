import type { GetDataManagerParam, GetDatasetParam, NewDataManager, UpdateDataManagerParam } from '../index.js';
import { checkRequiredAddressable } from './addressable.js';
import { checkMetadata } from './metadata.js';
import { checkRequiredPermissions } from './permissions.js';
import { checkKey, checkName, Violations } from './rules.js';

/** `type` is not checked: Substra ignores it since the column was dropped (it only mattered before 1.0). */
export function validateNewDataManager(dm: NewDataManager): void {
  const v = new Violations();
  checkKey(v, 'key', dm.key);
  checkName(v, 'name', dm.name);
  checkRequiredPermissions(v, 'new_permissions', dm.newPermissions);
  checkRequiredAddressable(v, 'description', dm.description);
  checkRequiredAddressable(v, 'opener', dm.opener);
  checkMetadata(v, '', dm.metadata);
  checkRequiredPermissions(v, 'logs_permission', dm.logsPermission);
  v.throwIfAny('datamanager');
}

export function validateUpdateDataManagerParam(param: UpdateDataManagerParam): void {
  const v = new Violations();
  checkKey(v, 'key', param.key);
  checkName(v, 'name', param.name);
  v.throwIfAny('datamanager');
}

export function validateGetDataManagerParam(param: GetDataManagerParam): void {
  const v = new Violations();
  checkKey(v, 'key', param.key);
  v.throwIfAny('datamanager');
}

/** A dataset is read through its data manager's key, hence the data manager's name in the message. */
export function validateGetDatasetParam(param: GetDatasetParam): void {
  const v = new Violations();
  checkKey(v, 'key', param.key);
  v.throwIfAny('datamanager');
}
