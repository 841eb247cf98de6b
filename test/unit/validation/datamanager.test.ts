import { describe, expect, it } from 'vitest';
import { clone, create } from '@bufbuild/protobuf';
import {
  GetDataManagerParamSchema,
  GetDatasetParamSchema,
  NewDataManagerSchema,
  UpdateDataManagerParamSchema,
  type NewDataManager,
} from '../../../lib/asset/index.js';
import {
  validateGetDataManagerParam,
  validateGetDatasetParam,
  validateNewDataManager,
  validateUpdateDataManagerParam,
} from '../../../lib/asset/validation/index.js';
import { address, bytes, expectInvalid, permissions, uuid } from './helpers.js';

const baseline = (): NewDataManager =>
  create(NewDataManagerSchema, {
    key: uuid(1),
    name: 'mnist',
    newPermissions: permissions(),
    description: address('description.md'),
    opener: address('opener.py'),
    type: '',
    logsPermission: permissions(),
    metadata: { a: 'b' },
  });

const mutated = (change: (dm: NewDataManager) => void): NewDataManager => {
  const dm = clone(NewDataManagerSchema, baseline());
  change(dm);
  return dm;
};

describe('validateNewDataManager', () => {
  it('accepts the baseline', () => {
    expect(() => validateNewDataManager(baseline())).not.toThrow();
  });

  it('ignores type, whatever its value (Substra dropped it)', () => {
    expect(() => validateNewDataManager(mutated((dm) => (dm.type = 'x'.repeat(500))))).not.toThrow();
  });

  it.each<[string, (dm: NewDataManager) => void, string, string]>([
    ['empty key', (dm) => (dm.key = ''), 'key', 'cannot be blank'],
    ['upper-case key', (dm) => (dm.key = dm.key.toUpperCase()), 'key', 'UUID'],
    ['empty name', (dm) => (dm.name = ''), 'name', 'cannot be blank'],
    ['101-byte name', (dm) => (dm.name = bytes(101)), 'name', 'between 1 and 100 bytes (got 101)'],
    ['missing new_permissions', (dm) => (dm.newPermissions = undefined), 'new_permissions', 'cannot be blank'],
    ['missing description', (dm) => (dm.description = undefined), 'description', 'cannot be blank'],
    ['missing opener', (dm) => (dm.opener = undefined), 'opener', 'cannot be blank'],
    ['bad opener checksum', (dm) => (dm.opener!.checksum = 'abc'), 'opener.checksum', 'exactly 64'],
    ['bad opener address', (dm) => (dm.opener!.storageAddress = 'opener'), 'opener.storage_address', 'valid URL'],
    ['missing logs_permission', (dm) => (dm.logsPermission = undefined), 'logs_permission', 'cannot be blank'],
    ['long metadata value', (dm) => (dm.metadata['a'] = 'v'.repeat(101)), 'metadata["a"]', 'value is too long'],
  ])('refuses %s', (_n, change, path, reason) => {
    expectInvalid(() => validateNewDataManager(mutated(change)), 'datamanager', [path, reason]);
  });

  it('accepts a 100-byte name made of multibyte characters', () => {
    expect(() => validateNewDataManager(mutated((dm) => (dm.name = bytes(100))))).not.toThrow();
  });
});

describe('datamanager params', () => {
  it('UpdateDataManagerParam needs a UUID key and a valid name', () => {
    expect(() =>
      validateUpdateDataManagerParam(create(UpdateDataManagerParamSchema, { key: uuid(1), name: 'n' })),
    ).not.toThrow();
    expectInvalid(
      () => validateUpdateDataManagerParam(create(UpdateDataManagerParamSchema, { key: 'k', name: '' })),
      'datamanager',
      ['key', 'UUID'],
      ['name', 'cannot be blank'],
    );
    expectInvalid(
      () =>
        validateUpdateDataManagerParam(create(UpdateDataManagerParamSchema, { key: uuid(1), name: 'n'.repeat(101) })),
      'datamanager',
      ['name', 'between 1 and 100'],
    );
  });

  it('GetDataManagerParam and GetDatasetParam need a UUID key', () => {
    expect(() => validateGetDataManagerParam(create(GetDataManagerParamSchema, { key: uuid(1) }))).not.toThrow();
    expect(() => validateGetDatasetParam(create(GetDatasetParamSchema, { key: uuid(1) }))).not.toThrow();
    expectInvalid(() => validateGetDataManagerParam(create(GetDataManagerParamSchema, {})), 'datamanager', [
      'key',
      'cannot be blank',
    ]);
    expectInvalid(() => validateGetDatasetParam(create(GetDatasetParamSchema, { key: 'nope' })), 'datamanager', [
      'key',
      'UUID',
    ]);
  });
});
