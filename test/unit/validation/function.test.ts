import { describe, expect, it } from 'vitest';
import { clone, create } from '@bufbuild/protobuf';
import {
  AddressableSchema,
  ApplyFunctionActionParamSchema,
  AssetKind,
  FunctionAction,
  FunctionInputSchema,
  FunctionOutputSchema,
  GetFunctionParamSchema,
  NewFunctionSchema,
  NewPermissionsSchema,
  QueryFunctionsParamSchema,
  UpdateFunctionParamSchema,
  type NewFunction,
} from '../../../lib/asset/index.js';
import {
  validateApplyFunctionActionParam,
  validateGetFunctionParam,
  validateNewFunction,
  validateQueryFunctionsParam,
  validateUpdateFunctionParam,
} from '../../../lib/asset/validation/index.js';
import { address, bytes, CHECKSUM, expectInvalid, permissions, uuid, violationsOf } from './helpers.js';

const input = (kind: AssetKind, extra: { multiple?: boolean; optional?: boolean } = {}) =>
  create(FunctionInputSchema, { kind, ...extra });
const output = (kind: AssetKind, multiple = false) => create(FunctionOutputSchema, { kind, multiple });

const baseline = (): NewFunction =>
  create(NewFunctionSchema, {
    key: uuid(1),
    name: 'train',
    description: address('description.md'),
    archive: address('archive.tar.gz'),
    newPermissions: permissions(),
    metadata: { framework: 'torch' },
    inputs: {
      datasamples: input(AssetKind.ASSET_DATA_SAMPLE, { multiple: true }),
      opener: input(AssetKind.ASSET_DATA_MANAGER),
      models: input(AssetKind.ASSET_MODEL, { multiple: true, optional: true }),
    },
    outputs: { model: output(AssetKind.ASSET_MODEL), perf: output(AssetKind.ASSET_PERFORMANCE) },
  });

const mutated = (change: (f: NewFunction) => void): NewFunction => {
  const f = clone(NewFunctionSchema, baseline());
  change(f);
  return f;
};

describe('validateNewFunction', () => {
  it('accepts the baseline', () => {
    expect(() => validateNewFunction(baseline())).not.toThrow();
  });

  it('accepts a function without inputs nor outputs (Substra does not require them)', () => {
    expect(() => validateNewFunction(mutated((f) => ((f.inputs = {}), (f.outputs = {}))))).not.toThrow();
  });

  it('accepts a present but empty new_permissions (Required only checks presence)', () => {
    expect(() => validateNewFunction(mutated((f) => (f.newPermissions = create(NewPermissionsSchema))))).not.toThrow();
  });

  it('validates a present but empty Addressable field by the Addressable rules', () => {
    expectInvalid(
      () => validateNewFunction(mutated((f) => (f.description = create(AddressableSchema)))),
      'function',
      ['description.checksum', 'cannot be blank'],
      ['description.storage_address', 'cannot be blank'],
    );
  });

  const cases: [string, (f: NewFunction) => void, string, string][] = [
    ['empty key', (f) => (f.key = ''), 'key', 'cannot be blank'],
    ['non-UUID key', (f) => (f.key = 'not-a-uuid'), 'key', 'must be a valid UUID'],
    ['upper-case key', (f) => (f.key = uuid(1).toUpperCase()), 'key', 'must be a valid UUID'],
    ['empty name', (f) => (f.name = ''), 'name', 'cannot be blank'],
    ['101-byte name', (f) => (f.name = 'n'.repeat(101)), 'name', 'between 1 and 100 bytes'],
    ['51 é = 102 bytes', (f) => (f.name = 'é'.repeat(51)), 'name', 'got 102'],
    ['missing description', (f) => (f.description = undefined), 'description', 'cannot be blank'],
    ['missing archive', (f) => (f.archive = undefined), 'archive', 'cannot be blank'],
    ['bad archive checksum', (f) => (f.archive!.checksum = 'z'.repeat(64)), 'archive.checksum', 'hexadecimal'],
    [
      'bad description address',
      (f) => (f.description!.storageAddress = 'not a url'),
      'description.storage_address',
      'valid URL',
    ],
    ['missing new_permissions', (f) => (f.newPermissions = undefined), 'new_permissions', 'cannot be blank'],
    ['long metadata key', (f) => (f.metadata = { [bytes(101)]: 'v' }), `metadata["${bytes(101)}"]`, 'key is too long'],
    ['long metadata value', (f) => (f.metadata = { k: bytes(101) }), 'metadata["k"]', 'value is too long'],
    [
      'empty input identifier',
      (f) => (f.inputs[''] = input(AssetKind.ASSET_MODEL)),
      'inputs[""]',
      'identifier cannot be blank',
    ],
    [
      '101-byte input identifier',
      (f) => (f.inputs[bytes(101)] = input(AssetKind.ASSET_MODEL)),
      `inputs["${bytes(101)}"]`,
      'between 1 and 100',
    ],
    [
      'input kind 0',
      (f) => (f.inputs['extra'] = input(AssetKind.ASSET_UNKNOWN)),
      'inputs["extra"].kind',
      'got ASSET_UNKNOWN',
    ],
    [
      'input kind PERFORMANCE',
      (f) => (f.inputs['extra'] = input(AssetKind.ASSET_PERFORMANCE)),
      'inputs["extra"].kind',
      'must be one of ASSET_MODEL, ASSET_DATA_SAMPLE, ASSET_DATA_MANAGER',
    ],
    ['undefined input kind', (f) => (f.inputs['extra'] = input(42 as AssetKind)), 'inputs["extra"].kind', 'got 42'],
    [
      'multiple data manager',
      (f) => (f.inputs['opener']!.multiple = true),
      'inputs["opener"].multiple',
      'cannot be multiple',
    ],
    [
      'optional data manager',
      (f) => (f.inputs['opener']!.optional = true),
      'inputs["opener"].optional',
      'cannot be optional',
    ],
    [
      'two data managers',
      (f) => (f.inputs['opener2'] = input(AssetKind.ASSET_DATA_MANAGER)),
      'inputs',
      'at most one data manager input',
    ],
    ['data manager without samples', (f) => delete f.inputs['datasamples'], 'inputs', 'requires a data sample input'],
    ['samples without data manager', (f) => delete f.inputs['opener'], 'inputs', 'requires a data manager input'],
    [
      'empty output identifier',
      (f) => (f.outputs[''] = output(AssetKind.ASSET_MODEL)),
      'outputs[""]',
      'identifier cannot be blank',
    ],
    [
      '101-byte output identifier',
      (f) => (f.outputs['o'.repeat(101)] = output(AssetKind.ASSET_MODEL)),
      `outputs["${'o'.repeat(101)}"]`,
      'between 1 and 100',
    ],
    [
      'output kind 0',
      (f) => (f.outputs['model']!.kind = AssetKind.ASSET_UNKNOWN),
      'outputs["model"].kind',
      'must be one of ASSET_MODEL, ASSET_PERFORMANCE',
    ],
    [
      'output kind DATA_SAMPLE',
      (f) => (f.outputs['model']!.kind = AssetKind.ASSET_DATA_SAMPLE),
      'outputs["model"].kind',
      'got ASSET_DATA_SAMPLE',
    ],
    [
      'multiple performance',
      (f) => (f.outputs['perf']!.multiple = true),
      'outputs["perf"].multiple',
      'performance output cannot be multiple',
    ],
  ];
  it.each(cases)('refuses %s', (_name, change, path, reason) => {
    expectInvalid(() => validateNewFunction(mutated(change)), 'function', [path, reason]);
  });

  it('accepts the boundaries: 100-byte name and identifiers, multiple model outputs', () => {
    const f = mutated((f) => {
      f.name = bytes(100);
      f.inputs[bytes(100)] = input(AssetKind.ASSET_MODEL);
      f.outputs['o'.repeat(100)] = output(AssetKind.ASSET_MODEL, true);
      f.metadata = { [bytes(100)]: bytes(100) };
    });
    expect(() => validateNewFunction(f)).not.toThrow();
  });

  it('lists every violation, not only the first one', () => {
    const items = violationsOf(
      () =>
        validateNewFunction(
          mutated((f) => {
            f.key = 'x';
            f.name = '';
            f.archive = undefined;
            f.outputs['perf']!.multiple = true;
          }),
        ),
      'function',
    );
    expect(items.map((i) => i.split(': ')[0])).toEqual(['key', 'name', 'archive', 'outputs["perf"].multiple']);
  });

  it('reports both length and format of one field', () => {
    const items = violationsOf(() => validateNewFunction(mutated((f) => (f.archive!.checksum = 'z'))), 'function');
    expect(items).toEqual([
      'archive.checksum: the length must be exactly 64 bytes (got 1)',
      'archive.checksum: must be a valid hexadecimal number',
    ]);
  });

  it('orders map entries the same way whatever their insertion order', () => {
    const a = mutated((f) => (f.inputs = { b: input(0), a: input(0) }));
    const b = mutated((f) => (f.inputs = { a: input(0), b: input(0) }));
    expect(violationsOf(() => validateNewFunction(a), 'function')).toEqual(
      violationsOf(() => validateNewFunction(b), 'function'),
    );
  });
});

describe('validateUpdateFunctionParam', () => {
  const valid = () => create(UpdateFunctionParamSchema, { key: uuid(2), name: 'renamed' });

  it('accepts a key and a name, with or without image, and does not validate the image format', () => {
    expect(() => validateUpdateFunctionParam(valid())).not.toThrow();
    const image = create(UpdateFunctionParamSchema, {
      key: uuid(2),
      name: 'renamed',
      image: { checksum: 'not hex', storageAddress: 'registry/img:1' },
    });
    expect(() => validateUpdateFunctionParam(image)).not.toThrow();
  });

  it('refuses a bad key or name', () => {
    expectInvalid(() => validateUpdateFunctionParam(create(UpdateFunctionParamSchema, { name: 'n' })), 'function', [
      'key',
      'cannot be blank',
    ]);
    expectInvalid(() => validateUpdateFunctionParam(create(UpdateFunctionParamSchema, { key: uuid(2) })), 'function', [
      'name',
      'cannot be blank',
    ]);
    expectInvalid(
      () => validateUpdateFunctionParam(create(UpdateFunctionParamSchema, { key: 'K', name: 'x'.repeat(101) })),
      'function',
      ['key', 'UUID'],
      ['name', 'between 1 and 100'],
    );
  });

  it('refuses an image storage cannot hold (address > 200 bytes, checksum > 64 bytes)', () => {
    const p = create(UpdateFunctionParamSchema, {
      key: uuid(2),
      name: 'renamed',
      image: { checksum: CHECKSUM + 'a', storageAddress: 'https://r.io/' + 'a'.repeat(188) },
    });
    expectInvalid(
      () => validateUpdateFunctionParam(p),
      'function',
      ['image.checksum', 'no more than 64'],
      ['image.storage_address', 'no more than 200'],
    );
  });
});

describe('function key params', () => {
  it('GetFunctionParam needs a UUID key', () => {
    expect(() => validateGetFunctionParam(create(GetFunctionParamSchema, { key: uuid(3) }))).not.toThrow();
    expectInvalid(() => validateGetFunctionParam(create(GetFunctionParamSchema, {})), 'function', [
      'key',
      'cannot be blank',
    ]);
    expectInvalid(() => validateGetFunctionParam(create(GetFunctionParamSchema, { key: 'abc' })), 'function', [
      'key',
      'UUID',
    ]);
  });

  it('QueryFunctionsParam: the compute_plan_key filter is optional but must be a UUID', () => {
    expect(() => validateQueryFunctionsParam(create(QueryFunctionsParamSchema, {}))).not.toThrow();
    expect(() => validateQueryFunctionsParam(create(QueryFunctionsParamSchema, { filter: {} }))).not.toThrow();
    expect(() =>
      validateQueryFunctionsParam(create(QueryFunctionsParamSchema, { filter: { computePlanKey: uuid(4) } })),
    ).not.toThrow();
    expectInvalid(
      () =>
        validateQueryFunctionsParam(
          create(QueryFunctionsParamSchema, { filter: { computePlanKey: uuid(4).toUpperCase() } }),
        ),
      'function',
      ['filter.compute_plan_key', 'UUID'],
    );
  });

  it.each([FunctionAction.BUILDING, FunctionAction.CANCELED, FunctionAction.FAILED, FunctionAction.READY])(
    'ApplyFunctionActionParam accepts action %i',
    (action) => {
      expect(() =>
        validateApplyFunctionActionParam(create(ApplyFunctionActionParamSchema, { functionKey: uuid(5), action })),
      ).not.toThrow();
    },
  );

  it.each([FunctionAction.UNKNOWN, 5, 99])('ApplyFunctionActionParam refuses action %i', (action) => {
    expectInvalid(
      () => validateApplyFunctionActionParam(create(ApplyFunctionActionParamSchema, { functionKey: uuid(5), action })),
      'function',
      [
        'action',
        'must be one of FUNCTION_ACTION_BUILDING, FUNCTION_ACTION_CANCELED, FUNCTION_ACTION_FAILED, FUNCTION_ACTION_READY',
      ],
    );
  });

  it('ApplyFunctionActionParam refuses a bad function_key', () => {
    expectInvalid(
      () =>
        validateApplyFunctionActionParam(
          create(ApplyFunctionActionParamSchema, { functionKey: 'x', action: FunctionAction.READY }),
        ),
      'function',
      ['function_key', 'UUID'],
    );
  });
});
