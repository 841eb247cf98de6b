import { describe, expect, it } from 'vitest';
import { create, type MessageInitShape } from '@bufbuild/protobuf';
import {
  GetDataSampleParamSchema,
  NewDataSampleSchema,
  QueryDataSamplesParamSchema,
  RegisterDataSamplesParamSchema,
  UpdateDataSamplesParamSchema,
  type NewDataSample,
} from '../../../lib/asset/index.js';
import {
  validateGetDataSampleParam,
  validateNewDataSample,
  validateQueryDataSamplesParam,
  validateRegisterDataSamplesParam,
  validateUpdateDataSamplesParam,
} from '../../../lib/asset/validation/index.js';
import { CHECKSUM, expectInvalid, uuid } from './helpers.js';

type Init = MessageInitShape<typeof NewDataSampleSchema>;

const sample = (n: number, extra: Init = {}): NewDataSample =>
  create(NewDataSampleSchema, { key: uuid(n), dataManagerKeys: [uuid(100)], checksum: CHECKSUM, ...extra });

describe('validateNewDataSample', () => {
  it('accepts a sample with or without data managers; test_only is ignored', () => {
    expect(() => validateNewDataSample(sample(1))).not.toThrow();
    expect(() => validateNewDataSample(sample(1, { dataManagerKeys: [], testOnly: true }))).not.toThrow();
  });

  it.each<[string, Init, string, string]>([
    ['empty key', { key: '' }, 'key', 'cannot be blank'],
    ['bad key', { key: 'k' }, 'key', 'UUID'],
    [
      'upper-case data manager key',
      { dataManagerKeys: [uuid(100), uuid(101).toUpperCase()] },
      'data_manager_keys[1]',
      'UUID',
    ],
    ['blank data manager key', { dataManagerKeys: [''] }, 'data_manager_keys[0]', 'cannot be blank'],
    ['empty checksum', { checksum: '' }, 'checksum', 'cannot be blank'],
    ['63-char checksum', { checksum: CHECKSUM.slice(1) }, 'checksum', 'exactly 64 bytes (got 63)'],
    ['65-char checksum', { checksum: CHECKSUM + 'a' }, 'checksum', 'exactly 64 bytes (got 65)'],
    ['non-hex checksum', { checksum: 'x'.repeat(64) }, 'checksum', 'hexadecimal'],
  ])('refuses %s', (_n, extra, path, reason) => {
    expectInvalid(() => validateNewDataSample(sample(1, extra)), 'datasample', [path, reason]);
  });
});

describe('validateRegisterDataSamplesParam', () => {
  it('accepts a batch, and an empty one', () => {
    const p = create(RegisterDataSamplesParamSchema, { samples: [sample(1), sample(2)] });
    expect(() => validateRegisterDataSamplesParam(p)).not.toThrow();
    expect(() => validateRegisterDataSamplesParam(create(RegisterDataSamplesParamSchema, {}))).not.toThrow();
  });

  it('prefixes paths with the sample index', () => {
    const p = create(RegisterDataSamplesParamSchema, { samples: [sample(1), sample(2, { checksum: 'a' })] });
    expectInvalid(() => validateRegisterDataSamplesParam(p), 'datasample', ['samples[1].checksum', 'exactly 64']);
  });

  it('refuses a key repeated in the batch, naming it', () => {
    const p = create(RegisterDataSamplesParamSchema, { samples: [sample(1), sample(2), sample(1)] });
    expectInvalid(() => validateRegisterDataSamplesParam(p), 'datasample', [
      'samples[2].key',
      `duplicate key "${uuid(1)}"`,
    ]);
  });
});

describe('validateUpdateDataSamplesParam', () => {
  it('accepts keys with or without data manager keys', () => {
    const p = create(UpdateDataSamplesParamSchema, { keys: [uuid(1)], dataManagerKeys: [uuid(100)] });
    expect(() => validateUpdateDataSamplesParam(p)).not.toThrow();
    expect(() =>
      validateUpdateDataSamplesParam(create(UpdateDataSamplesParamSchema, { keys: [uuid(1)] })),
    ).not.toThrow();
  });

  it('requires keys', () => {
    expectInvalid(
      () => validateUpdateDataSamplesParam(create(UpdateDataSamplesParamSchema, { dataManagerKeys: [uuid(100)] })),
      'datasample',
      ['keys', 'cannot be blank'],
    );
  });

  it('requires every key to be a UUID', () => {
    const p = create(UpdateDataSamplesParamSchema, { keys: [uuid(1), 'x'], dataManagerKeys: [uuid(2).toUpperCase()] });
    expectInvalid(
      () => validateUpdateDataSamplesParam(p),
      'datasample',
      ['keys[1]', 'UUID'],
      ['data_manager_keys[0]', 'UUID'],
    );
  });
});

describe('datasample key params', () => {
  it('GetDataSampleParam needs a UUID key', () => {
    expect(() => validateGetDataSampleParam(create(GetDataSampleParamSchema, { key: uuid(1) }))).not.toThrow();
    expectInvalid(() => validateGetDataSampleParam(create(GetDataSampleParamSchema, { key: '1' })), 'datasample', [
      'key',
      'UUID',
    ]);
  });

  it('QueryDataSamplesParam: filter keys must be UUIDs', () => {
    expect(() => validateQueryDataSamplesParam(create(QueryDataSamplesParamSchema, {}))).not.toThrow();
    expect(() =>
      validateQueryDataSamplesParam(create(QueryDataSamplesParamSchema, { filter: { keys: [uuid(1), uuid(2)] } })),
    ).not.toThrow();
    expectInvalid(
      () => validateQueryDataSamplesParam(create(QueryDataSamplesParamSchema, { filter: { keys: [uuid(1), ''] } })),
      'datasample',
      ['filter.keys[1]', 'cannot be blank'],
    );
  });
});
