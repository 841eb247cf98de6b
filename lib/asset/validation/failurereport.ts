import {
  ErrorType,
  ErrorTypeSchema,
  FailedAssetKind,
  FailedAssetKindSchema,
  type GetFailureReportParam,
  type NewFailureReport,
} from '../index.js';
import { checkRequiredAddressable } from './addressable.js';
import { checkKey, Violations } from './rules.js';

const ERROR_TYPES = [ErrorType.BUILD, ErrorType.EXECUTION, ErrorType.INTERNAL];
const ASSET_TYPES = [FailedAssetKind.FAILED_ASSET_COMPUTE_TASK, FailedAssetKind.FAILED_ASSET_FUNCTION];

/** Build and execution failures have logs to point at; an internal error has none (storage checks the same). */
const hasLogs = (errorType: ErrorType): boolean => errorType === ErrorType.BUILD || errorType === ErrorType.EXECUTION;

export function validateNewFailureReport(report: NewFailureReport): void {
  const v = new Violations();
  checkKey(v, 'asset_key', report.assetKey);
  v.oneOf('error_type', report.errorType, ErrorTypeSchema, ERROR_TYPES);
  v.oneOf('asset_type', report.assetType, FailedAssetKindSchema, ASSET_TYPES);
  if (hasLogs(report.errorType)) checkRequiredAddressable(v, 'logs_address', report.logsAddress);
  else if (report.logsAddress !== undefined)
    v.add('logs_address', 'must be blank unless error_type is BUILD or EXECUTION');
  v.throwIfAny('failurereport');
}

export function validateGetFailureReportParam(param: GetFailureReportParam): void {
  const v = new Violations();
  checkKey(v, 'asset_key', param.assetKey);
  v.throwIfAny('failurereport');
}
