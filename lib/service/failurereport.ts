import { create } from '@bufbuild/protobuf';
import {
  ComputeTaskStatus,
  EventKind,
  FailedAssetKind,
  FailureReportSchema,
  FunctionAction,
  type FailureReport,
  type GetFailureReportParam,
  type NewFailureReport,
} from '../asset/index.js';
import { validateGetFailureReportParam, validateNewFailureReport } from '../asset/validation/index.js';
import { badRequest, conflict, notFound, permissionDenied } from '../errors/index.js';
import { BaseService } from './base.js';
import { emitEvent } from './events.js';

const FAILURE_REPORT_REASON = 'failure report registered';

/** A failure report fails the task or function it is about; one report per asset. */
export class FailureReportService extends BaseService {
  async registerFailureReport(input: NewFailureReport): Promise<FailureReport> {
    validateNewFailureReport(input);
    const { dbal, requester, clock } = this.ctx;
    if (await dbal.getFailureReport(input.assetKey)) throw conflict('failurereport', input.assetKey);

    switch (input.assetType) {
      case FailedAssetKind.FAILED_ASSET_COMPUTE_TASK: {
        const task = await this.provider.computeTask.load(input.assetKey);
        if (task.worker !== requester) {
          throw permissionDenied(`only "${task.worker}" worker can register failure report for compute task`);
        }
        if (task.status !== ComputeTaskStatus.STATUS_EXECUTING) {
          throw badRequest(`cannot register failure report for task with status ${ComputeTaskStatus[task.status]}`);
        }
        await this.provider.computeTask.transition(task, 'failed', FAILURE_REPORT_REASON);
        break;
      }
      case FailedAssetKind.FAILED_ASSET_FUNCTION: {
        const fn = await this.provider.function.load(input.assetKey);
        if (fn.owner !== requester) throw permissionDenied('only the function owner can register its failure report');
        await this.provider.function.applyAction(fn, FunctionAction.FAILED, FAILURE_REPORT_REASON);
        break;
      }
      default:
        throw badRequest(`unsupported failed asset kind ${FailedAssetKind[input.assetType] ?? input.assetType}`);
    }

    const report = create(FailureReportSchema, {
      assetKey: input.assetKey,
      errorType: input.errorType,
      logsAddress: input.logsAddress,
      creationDate: clock.now(),
      owner: requester,
      assetType: input.assetType,
    });
    await dbal.addFailureReport(report);
    emitEvent(this.ctx, EventKind.EVENT_ASSET_CREATED, 'failureReport', report.assetKey, report);
    return report;
  }

  async getFailureReport(param: GetFailureReportParam): Promise<FailureReport> {
    validateGetFailureReportParam(param);
    const report = await this.ctx.dbal.getFailureReport(param.assetKey);
    if (!report) throw notFound('failure report', param.assetKey);
    return report;
  }
}
