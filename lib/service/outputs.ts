import { create } from '@bufbuild/protobuf';
import { ComputeTaskOutputAssetSchema, EventKind, type AssetKind, type ComputeTask } from '../asset/index.js';
import type { ServiceContext } from './context.js';
import { emitEvent } from './events.js';

/**
 * Records that a task produced an asset on one of its outputs. The event's asset_key is the task key (Substra's
 * convention, which consumers filter on).
 */
export async function recordOutputAsset(
  ctx: ServiceContext,
  task: ComputeTask,
  identifier: string,
  assetKind: AssetKind,
  assetKey: string,
): Promise<void> {
  const outputAsset = create(ComputeTaskOutputAssetSchema, {
    computeTaskKey: task.key,
    computeTaskOutputIdentifier: identifier,
    assetKind,
    assetKey,
  });
  await ctx.dbal.addComputeTaskOutputAsset(outputAsset);
  emitEvent(ctx, EventKind.EVENT_ASSET_CREATED, 'computeTaskOutputAsset', task.key, outputAsset);
}
