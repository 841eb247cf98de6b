import type { ModelStore } from '../../persistence/index.js';
import { ModelSchema, type Model } from '../../asset/index.js';
import { decode, encode, timestampToSql } from '../codec.js';
import type { Ctx } from './common.js';

async function readModel(ctx: Ctx, key: string): Promise<Model | undefined> {
  const [row] = await ctx.q.query('SELECT asset FROM models WHERE channel = $1 AND key = $2', [ctx.channel, key]);
  return row ? decode(ModelSchema, row.asset) : undefined;
}

export function modelStore(ctx: Ctx): ModelStore {
  return {
    async addModel(model) {
      await ctx.q.query(
        'INSERT INTO models (channel, key, compute_task_key, owner, creation_date, asset) ' +
          'VALUES ($1, $2, $3, $4, $5::timestamptz, $6)',
        [
          ctx.channel,
          model.key,
          model.computeTaskKey,
          model.owner,
          timestampToSql(model.creationDate),
          encode(ModelSchema, model),
        ],
      );
    },

    getModel: (key) => readModel(ctx, key),

    async getComputeTaskOutputModels(taskKey) {
      const rows = await ctx.q.query(
        'SELECT asset FROM models WHERE channel = $1 AND compute_task_key = $2 ORDER BY creation_date, key',
        [ctx.channel, taskKey],
      );
      return rows.map((r) => decode(ModelSchema, r.asset));
    },

    /** Persists the address only (absent once the model is disabled). */
    async updateModel(model) {
      const stored = await readModel(ctx, model.key);
      if (!stored) return;
      stored.address = model.address;
      await ctx.q.query('UPDATE models SET asset = $3 WHERE channel = $1 AND key = $2', [
        ctx.channel,
        model.key,
        encode(ModelSchema, stored),
      ]);
    },
  };
}
