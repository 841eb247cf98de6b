import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { create, fromBinary, type DescMessage, type MessageShape } from '@bufbuild/protobuf';
import {
  AssetKind,
  ErrorType,
  FailedAssetKind,
  NewComputePlanSchema,
  NewComputeTaskSchema,
  NewDataManagerSchema,
  NewDataSampleSchema,
  NewFailureReportSchema,
  NewFunctionSchema,
  NewModelSchema,
  ProfilingStepSchema,
  RegisterOrganizationParamSchema,
  RegisterTasksParamSchema,
  UpdateDataSamplesParamSchema,
} from '../../../lib/asset/index.js';
import {
  isUuid,
  isURL,
  validateKey,
  validateNewComputePlan,
  validateNewComputeTask,
  validateNewDataManager,
  validateNewDataSample,
  validateNewFailureReport,
  validateNewFunction,
  validateNewModel,
  validateProfilingStep,
  validateRegisterOrganizationParam,
  validateRegisterTasksParam,
  validateUpdateDataSamplesParam,
} from '../../../lib/asset/validation/index.js';
import { isOrcError } from '../../../lib/errors/index.js';
import { expectInvalid } from './helpers.js';

// --- generators of valid values -------------------------------------------------------------------------------
const hex = (n: number, chars = '0123456789abcdef') =>
  fc.array(fc.constantFrom(...chars), { minLength: n, maxLength: n }).map((a) => a.join(''));
const key = fc.tuple(hex(8), hex(4), hex(4), hex(4), hex(12)).map((p) => p.join('-'));
const checksum = hex(64, '0123456789abcdefABCDEF');
/** Up to 25 code points of any plane: at most 100 bytes. */
const text = (minLength = 0) => fc.string({ unit: 'binary', minLength, maxLength: 25 });
const name = text(1);
const label = fc.stringMatching(/^[a-z0-9]{1,12}$/);
// Host names as backends use them. govalidator's pattern has quirks these avoid (faithfully reproduced, see
// url.test.ts): the top-level label must be alphabetic, one-character labels fail in some positions ("a.a.aa"), and
// "--" is refused after the first label.
const storageAddress = fc
  .tuple(
    fc.constantFrom('http://', 'https://', ''),
    fc.array(fc.stringMatching(/^[a-z][a-z0-9]{1,5}(-[a-z0-9]{1,5})?$/), { minLength: 1, maxLength: 3 }),
    fc.stringMatching(/^[a-z]{2,6}$/),
    fc.constantFrom('', ':8000', ':443'),
    fc.array(label, { maxLength: 4 }),
  )
  .map(([scheme, host, tld, port, path]) => `${scheme}${host.join('.')}.${tld}${port}/${path.join('/')}`);
const addressable = fc.record({ checksum, storageAddress });
const metadata = fc.dictionary(text(), text(), { maxKeys: 4 });
const newPermissions = fc.record({ public: fc.boolean(), authorizedIds: fc.array(label, { maxLength: 3 }) });

const newFunction = fc
  .record({
    key,
    name,
    description: addressable,
    archive: addressable,
    newPermissions,
    metadata,
    models: fc.dictionary(
      fc.stringMatching(/^m[a-z]{0,20}$/),
      fc.record({ multiple: fc.boolean(), optional: fc.boolean() }),
      { maxKeys: 3 },
    ),
    data: fc.boolean(),
    outputs: fc.dictionary(
      fc.stringMatching(/^o[a-z]{0,20}$/),
      fc.oneof(
        fc.record({ kind: fc.constant(AssetKind.ASSET_MODEL), multiple: fc.boolean() }),
        fc.record({ kind: fc.constant(AssetKind.ASSET_PERFORMANCE), multiple: fc.constant(false) }),
      ),
      { maxKeys: 3 },
    ),
  })
  .map(({ models, data, ...f }) => {
    const inputs = Object.fromEntries(
      Object.entries(models).map(([id, m]) => [id, { kind: AssetKind.ASSET_MODEL, ...m }]),
    );
    if (data) {
      inputs['opener'] = { kind: AssetKind.ASSET_DATA_MANAGER, multiple: false, optional: false };
      inputs['datasamples'] = { kind: AssetKind.ASSET_DATA_SAMPLE, multiple: true, optional: false };
    }
    return create(NewFunctionSchema, { ...f, inputs });
  });

const taskInput = fc.oneof(
  fc.record({ identifier: name, ref: key.map((value) => ({ case: 'assetKey' as const, value })) }),
  fc.record({
    identifier: name,
    ref: fc
      .record({ parentTaskKey: key, outputIdentifier: name })
      .map((value) => ({ case: 'parentTaskOutput' as const, value })),
  }),
);
const newComputeTask = fc
  .record({
    key,
    functionKey: key,
    computePlanKey: key,
    worker: fc.oneof(fc.constant(''), label),
    metadata,
    inputs: fc.array(taskInput, { maxLength: 4 }),
    outputs: fc.dictionary(name, fc.record({ permissions: newPermissions, transient: fc.boolean() }), { maxKeys: 3 }),
  })
  .map((t) => create(NewComputeTaskSchema, t));

const newFailureReport = fc
  .record({
    assetKey: key,
    errorType: fc.constantFrom(ErrorType.BUILD, ErrorType.EXECUTION, ErrorType.INTERNAL),
    assetType: fc.constantFrom(FailedAssetKind.FAILED_ASSET_COMPUTE_TASK, FailedAssetKind.FAILED_ASSET_FUNCTION),
    logsAddress: addressable,
  })
  .map((r) =>
    create(NewFailureReportSchema, {
      ...r,
      logsAddress: r.errorType === ErrorType.INTERNAL ? undefined : r.logsAddress,
    }),
  );

const pass = (run: () => void): void => {
  expect(run).not.toThrow();
};

describe('random valid messages pass', () => {
  it('NewFunction', () => fc.assert(fc.property(newFunction, (f) => pass(() => validateNewFunction(f)))));
  it('NewComputeTask', () => fc.assert(fc.property(newComputeTask, (t) => pass(() => validateNewComputeTask(t)))));
  it('RegisterTasksParam with distinct keys', () =>
    fc.assert(
      fc.property(fc.uniqueArray(newComputeTask, { selector: (t) => t.key, maxLength: 5 }), (tasks) =>
        pass(() => validateRegisterTasksParam(create(RegisterTasksParamSchema, { tasks }))),
      ),
    ));
  it('NewDataManager', () =>
    fc.assert(
      fc.property(
        fc.record({
          key,
          name,
          newPermissions,
          description: addressable,
          opener: addressable,
          logsPermission: newPermissions,
          metadata,
          type: fc.string(),
        }),
        (dm) => pass(() => validateNewDataManager(create(NewDataManagerSchema, dm))),
      ),
    ));
  it('NewDataSample', () =>
    fc.assert(
      fc.property(
        fc.record({ key, dataManagerKeys: fc.array(key, { maxLength: 3 }), checksum, testOnly: fc.boolean() }),
        (s) => pass(() => validateNewDataSample(create(NewDataSampleSchema, s))),
      ),
    ));
  it('UpdateDataSamplesParam', () =>
    fc.assert(
      fc.property(
        fc.record({
          keys: fc.array(key, { minLength: 1, maxLength: 3 }),
          dataManagerKeys: fc.array(key, { maxLength: 3 }),
        }),
        (p) => pass(() => validateUpdateDataSamplesParam(create(UpdateDataSamplesParamSchema, p))),
      ),
    ));
  it('NewComputePlan', () =>
    fc.assert(
      fc.property(fc.record({ key, name, tag: text(), metadata }), (p) =>
        pass(() => validateNewComputePlan(create(NewComputePlanSchema, p))),
      ),
    ));
  it('NewModel', () =>
    fc.assert(
      fc.property(
        fc.record({ key, computeTaskKey: key, computeTaskOutputIdentifier: name, address: addressable }),
        (m) => pass(() => validateNewModel(create(NewModelSchema, m))),
      ),
    ));
  it('NewFailureReport', () =>
    fc.assert(fc.property(newFailureReport, (r) => pass(() => validateNewFailureReport(r)))));
  it('ProfilingStep', () =>
    fc.assert(
      fc.property(fc.record({ assetKey: key, step: name, duration: fc.integer({ min: 1, max: 2 ** 32 - 1 }) }), (s) =>
        pass(() => validateProfilingStep(create(ProfilingStepSchema, s))),
      ),
    ));
  it('RegisterOrganizationParam with an http(s) address', () =>
    fc.assert(
      fc.property(
        storageAddress.filter((a) => a.startsWith('http')),
        (address) =>
          pass(() => validateRegisterOrganizationParam(create(RegisterOrganizationParamSchema, { address }))),
      ),
    ));
  it('generated storage addresses are URLs', () => fc.assert(fc.property(storageAddress, (a) => isURL(a))));
});

describe('refusals', () => {
  const upperCaseUuid = fc
    .tuple(key, fc.infiniteStream(fc.boolean()))
    .map(([k, flips]) => [...k].map((c) => (flips.next().value ? c.toUpperCase() : c)).join(''))
    .filter((k) => /[A-F]/.test(k));

  it('any UUID with an upper-case hex letter is refused', () => {
    fc.assert(
      fc.property(upperCaseUuid, (k) => {
        expect(isUuid(k)).toBe(false);
        expectInvalid(() => validateKey('computetask', 'key', k), 'computetask', ['key', 'must be a valid UUID']);
      }),
    );
  });

  it('any upper-case UUID in a task input is refused with its path', () => {
    fc.assert(
      fc.property(newComputeTask, upperCaseUuid, (t, k) => {
        t.inputs.push({
          $typeName: 'orchestrator.ComputeTaskInput',
          identifier: 'x',
          ref: { case: 'assetKey', value: k },
        });
        expectInvalid(() => validateNewComputeTask(t), 'computetask', [
          `inputs[${t.inputs.length - 1}].asset_key`,
          'UUID',
        ]);
      }),
    );
  });

  it('any name over 100 bytes is refused, whatever its characters', () => {
    fc.assert(
      fc.property(
        fc.string({ unit: 'binary', minLength: 26, maxLength: 120 }).filter((s) => Buffer.byteLength(s) > 100),
        (n) => {
          expectInvalid(
            () =>
              validateNewComputePlan(
                create(NewComputePlanSchema, { key: '00000000-0000-0000-0000-000000000000', name: n }),
              ),
            'computeplan',
            ['name', 'between 1 and 100 bytes'],
          );
        },
      ),
    );
  });
});

describe('robustness: any decodable bytes give a result or an OE0101, never another error', () => {
  const cases: [string, DescMessage, (m: never) => void][] = [
    ['NewFunction', NewFunctionSchema, validateNewFunction],
    ['NewComputeTask', NewComputeTaskSchema, validateNewComputeTask],
    ['NewFailureReport', NewFailureReportSchema, validateNewFailureReport],
    ['RegisterOrganizationParam', RegisterOrganizationParamSchema, validateRegisterOrganizationParam],
  ];
  it.each(cases)('%s', (_n, schema, validate) => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 200 }), (bytes) => {
        let message: MessageShape<DescMessage>;
        try {
          message = fromBinary(schema, bytes);
        } catch {
          return; // not a message of this type
        }
        try {
          validate(message as never);
        } catch (err) {
          expect(isOrcError(err) && err.code === 'OE0101').toBe(true);
        }
      }),
    );
  });
});
