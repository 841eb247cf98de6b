import { create } from '@bufbuild/protobuf';
import {
  AssetKind,
  ComputeTaskStatus,
  EventKind,
  PerformanceSchema,
  QueryPerformancesResponseSchema,
  type NewPerformance,
  type Performance,
  type QueryPerformancesParam,
  type QueryPerformancesResponse,
} from '../asset/index.js';
import { validateNewPerformance, validateQueryPerformancesParam } from '../asset/validation/index.js';
import { badRequest, conflict, OrcError, permissionDenied } from '../errors/index.js';
import type { PerformanceFilter } from '../persistence/index.js';
import { BaseService } from './base.js';
import { emitEvent } from './events.js';
import { pageRequest } from './paging.js';
import { recordOutputAsset } from './outputs.js';

/** A performance has no key of its own: it is identified by its task and output. */
export function performanceKey(taskKey: string, identifier: string): string {
  return `${taskKey}|${identifier}`;
}

export class PerformanceService extends BaseService {
  async registerPerformance(input: NewPerformance): Promise<Performance> {
    validateNewPerformance(input);
    const { dbal, requester, clock } = this.ctx;
    const task = await this.provider.computeTask.load(input.computeTaskKey);
    const identifier = input.computeTaskOutputIdentifier;
    if (task.worker !== requester) throw permissionDenied('only the task worker can register its performances');
    if (task.status !== ComputeTaskStatus.STATUS_EXECUTING) {
      throw badRequest(`cannot register performance for task with status ${ComputeTaskStatus[task.status]}`);
    }
    if (!task.outputs[identifier]) {
      throw new OrcError('MissingTaskOutput', `compute task "${task.key}" has no output "${identifier}"`);
    }
    // Substra did not check the kind here; a model output holding a performance is a client bug worth refusing.
    const fn = await this.provider.function.load(task.functionKey);
    if (fn.outputs[identifier]?.kind !== AssetKind.ASSET_PERFORMANCE) {
      throw new OrcError(
        'IncompatibleKind',
        `output "${identifier}" of compute task "${task.key}" is not a performance`,
      );
    }
    const key = performanceKey(task.key, identifier);
    if (await dbal.getPerformance(task.key, identifier)) throw conflict('performance', key);

    const perf = create(PerformanceSchema, {
      computeTaskKey: task.key,
      computeTaskOutputIdentifier: identifier,
      performanceValue: input.performanceValue,
      creationDate: clock.now(),
    });
    await dbal.addPerformance(perf);
    emitEvent(this.ctx, EventKind.EVENT_ASSET_CREATED, 'performance', key, perf);
    await recordOutputAsset(this.ctx, task, identifier, AssetKind.ASSET_PERFORMANCE, key);
    return perf;
  }

  async queryPerformances(param: QueryPerformancesParam): Promise<QueryPerformancesResponse> {
    validateQueryPerformancesParam(param);
    const filter: PerformanceFilter = {};
    if (param.filter?.computeTaskKey) filter.computeTaskKey = param.filter.computeTaskKey;
    if (param.filter?.computeTaskOutputIdentifier) {
      filter.computeTaskOutputIdentifier = param.filter.computeTaskOutputIdentifier;
    }
    const page = await this.ctx.dbal.queryPerformances(
      pageRequest(param.pageToken, param.pageSize, PerformanceSchema),
      filter,
    );
    return create(QueryPerformancesResponseSchema, { Performances: page.items, nextPageToken: page.nextToken });
  }
}
