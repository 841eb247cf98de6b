import { describe, expect, it } from 'vitest';
import { create, type MessageInitShape } from '@bufbuild/protobuf';
import {
  GetComputeTaskModelsParamSchema,
  GetModelParamSchema,
  NewModelSchema,
  RegisterModelsParamSchema,
  type NewModel,
} from '../../../lib/asset/index.js';
import {
  validateGetComputeTaskModelsParam,
  validateGetModelParam,
  validateNewModel,
  validateRegisterModelsParam,
} from '../../../lib/asset/validation/index.js';
import { address, expectInvalid, uuid } from './helpers.js';

type Init = MessageInitShape<typeof NewModelSchema>;

const model = (n: number, extra: Init = {}): NewModel =>
  create(NewModelSchema, {
    key: uuid(n),
    computeTaskKey: uuid(1000),
    computeTaskOutputIdentifier: 'model',
    address: address(`model/${n}`),
    ...extra,
  });

describe('validateNewModel', () => {
  it('accepts a model', () => {
    expect(() => validateNewModel(model(1))).not.toThrow();
  });

  it.each<[string, Init, string, string]>([
    ['empty key', { key: '' }, 'key', 'cannot be blank'],
    ['upper-case key', { key: uuid(1).toUpperCase() }, 'key', 'UUID'],
    ['empty compute_task_key', { computeTaskKey: '' }, 'compute_task_key', 'cannot be blank'],
    ['bad compute_task_key', { computeTaskKey: 'task' }, 'compute_task_key', 'UUID'],
    [
      'empty output identifier',
      { computeTaskOutputIdentifier: '' },
      'compute_task_output_identifier',
      'cannot be blank',
    ],
    ['missing address', { address: undefined }, 'address', 'cannot be blank'],
    [
      'bad address checksum',
      { address: { checksum: 'a', storageAddress: 'http://a.com/x' } },
      'address.checksum',
      'exactly 64',
    ],
  ])('refuses %s', (_n, extra, path, reason) => {
    expectInvalid(() => validateNewModel(model(1, extra)), 'model', [path, reason]);
  });
});

describe('validateRegisterModelsParam', () => {
  it('accepts a batch', () => {
    expect(() =>
      validateRegisterModelsParam(create(RegisterModelsParamSchema, { models: [model(1), model(2)] })),
    ).not.toThrow();
  });

  it('refuses an empty list (Substra crashed on it)', () => {
    expectInvalid(() => validateRegisterModelsParam(create(RegisterModelsParamSchema, {})), 'model', [
      'models',
      'cannot be blank',
    ]);
  });

  it('prefixes paths with the model index', () => {
    const p = create(RegisterModelsParamSchema, { models: [model(1), model(2, { address: undefined })] });
    expectInvalid(() => validateRegisterModelsParam(p), 'model', ['models[1].address', 'cannot be blank']);
  });

  it('refuses a key repeated in the batch, naming it', () => {
    const p = create(RegisterModelsParamSchema, { models: [model(1), model(1)] });
    expectInvalid(() => validateRegisterModelsParam(p), 'model', ['models[1].key', `duplicate key "${uuid(1)}"`]);
  });
});

describe('model key params', () => {
  it('GetModelParam and GetComputeTaskModelsParam need a UUID key', () => {
    expect(() => validateGetModelParam(create(GetModelParamSchema, { key: uuid(1) }))).not.toThrow();
    expect(() =>
      validateGetComputeTaskModelsParam(create(GetComputeTaskModelsParamSchema, { computeTaskKey: uuid(1) })),
    ).not.toThrow();
    expectInvalid(() => validateGetModelParam(create(GetModelParamSchema, { key: 'x' })), 'model', ['key', 'UUID']);
    expectInvalid(() => validateGetComputeTaskModelsParam(create(GetComputeTaskModelsParamSchema, {})), 'model', [
      'compute_task_key',
      'cannot be blank',
    ]);
  });
});
