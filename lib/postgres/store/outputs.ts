// What a task produced on each of its outputs.
import type { OutputAssetStore } from '../../persistence/index.js';
import { ComputeTaskOutputAssetSchema } from '../../asset/index.js';
import { decode, encode } from '../codec.js';
import type { Ctx } from './common.js';

export function outputAssetStore(ctx: Ctx): OutputAssetStore {
  return {
    async addComputeTaskOutputAsset(asset) {
      // Next position of this output in the same statement; SERIALIZABLE turns a concurrent twin into a retry.
      await ctx.q.query(
        'INSERT INTO compute_task_output_assets ' +
          '(channel, compute_task_key, output_identifier, position, asset_kind, asset_key, asset) ' +
          'SELECT $1, $2, $3, COALESCE(MAX(position) + 1, 0), $4, $5, $6 FROM compute_task_output_assets ' +
          'WHERE channel = $1 AND compute_task_key = $2 AND output_identifier = $3',
        [
          ctx.channel,
          asset.computeTaskKey,
          asset.computeTaskOutputIdentifier,
          asset.assetKind,
          asset.assetKey,
          encode(ComputeTaskOutputAssetSchema, asset),
        ],
      );
    },

    async getComputeTaskOutputAssets(taskKey, identifier) {
      const rows = await ctx.q.query(
        'SELECT asset FROM compute_task_output_assets ' +
          'WHERE channel = $1 AND compute_task_key = $2 AND output_identifier = $3 ORDER BY position',
        [ctx.channel, taskKey, identifier],
      );
      return rows.map((r) => decode(ComputeTaskOutputAssetSchema, r.asset));
    },

    async countComputeTaskOutputAssets(taskKey) {
      const rows = await ctx.q.query<{ identifier: string; n: number }>(
        'SELECT output_identifier AS identifier, count(*)::int AS n FROM compute_task_output_assets ' +
          'WHERE channel = $1 AND compute_task_key = $2 GROUP BY output_identifier',
        [ctx.channel, taskKey],
      );
      return new Map(rows.map((r) => [r.identifier, Number(r.n)]));
    },
  };
}
