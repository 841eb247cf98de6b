import { describe, expect, it } from 'vitest';
import { create, type MessageInitShape } from '@bufbuild/protobuf';
import {
  ErrorType,
  FailedAssetKind,
  GetFailureReportParamSchema,
  NewFailureReportSchema,
  type NewFailureReport,
} from '../../../lib/asset/index.js';
import { validateGetFailureReportParam, validateNewFailureReport } from '../../../lib/asset/validation/index.js';
import { address, expectInvalid, uuid } from './helpers.js';

type Init = MessageInitShape<typeof NewFailureReportSchema>;

const report = (extra: Init = {}): NewFailureReport =>
  create(NewFailureReportSchema, {
    assetKey: uuid(1),
    errorType: ErrorType.EXECUTION,
    assetType: FailedAssetKind.FAILED_ASSET_COMPUTE_TASK,
    logsAddress: address('logs'),
    ...extra,
  });

describe('validateNewFailureReport', () => {
  it.each([
    [ErrorType.BUILD, FailedAssetKind.FAILED_ASSET_FUNCTION, true],
    [ErrorType.EXECUTION, FailedAssetKind.FAILED_ASSET_COMPUTE_TASK, true],
    [ErrorType.INTERNAL, FailedAssetKind.FAILED_ASSET_COMPUTE_TASK, false],
    [ErrorType.INTERNAL, FailedAssetKind.FAILED_ASSET_FUNCTION, false],
  ])('accepts error type %i on asset type %i (logs: %s)', (errorType, assetType, logs) => {
    expect(() =>
      validateNewFailureReport(report({ errorType, assetType, logsAddress: logs ? address('logs') : undefined })),
    ).not.toThrow();
  });

  it.each<[string, Init, string, string]>([
    ['empty asset_key', { assetKey: '' }, 'asset_key', 'cannot be blank'],
    ['upper-case asset_key', { assetKey: uuid(1).toUpperCase() }, 'asset_key', 'UUID'],
    ['error_type 0', { errorType: ErrorType.UNSPECIFIED }, 'error_type', 'got ERROR_TYPE_UNSPECIFIED'],
    [
      'undefined error_type',
      { errorType: 8 as ErrorType },
      'error_type',
      'must be one of ERROR_TYPE_BUILD, ERROR_TYPE_EXECUTION, ERROR_TYPE_INTERNAL',
    ],
    ['asset_type 0', { assetType: FailedAssetKind.FAILED_ASSET_UNKNOWN }, 'asset_type', 'got FAILED_ASSET_UNKNOWN'],
    [
      'undefined asset_type',
      { assetType: 3 as FailedAssetKind },
      'asset_type',
      'must be one of FAILED_ASSET_COMPUTE_TASK, FAILED_ASSET_FUNCTION',
    ],
    ['EXECUTION without logs', { logsAddress: undefined }, 'logs_address', 'cannot be blank'],
    ['BUILD without logs', { errorType: ErrorType.BUILD, logsAddress: undefined }, 'logs_address', 'cannot be blank'],
    ['INTERNAL with logs', { errorType: ErrorType.INTERNAL }, 'logs_address', 'must be blank'],
    [
      'invalid logs address',
      { logsAddress: { checksum: 'a'.repeat(64), storageAddress: 'logs' } },
      'logs_address.storage_address',
      'valid URL',
    ],
  ])('refuses %s', (_n, extra, path, reason) => {
    expectInvalid(() => validateNewFailureReport(report(extra)), 'failurereport', [path, reason]);
  });
});

describe('validateGetFailureReportParam', () => {
  it('needs a UUID asset_key', () => {
    expect(() =>
      validateGetFailureReportParam(create(GetFailureReportParamSchema, { assetKey: uuid(1) })),
    ).not.toThrow();
    expectInvalid(() => validateGetFailureReportParam(create(GetFailureReportParamSchema, {})), 'failurereport', [
      'asset_key',
      'cannot be blank',
    ]);
  });
});
