import type { ComputePlanStore } from '../../persistence/index.js';
import { ComputePlanSchema, type ComputePlan } from '../../asset/index.js';
import { decode, encode, timestampToSql } from '../codec.js';
import { keysetPage, Params, type Ctx } from './common.js';

async function readComputePlan(ctx: Ctx, key: string): Promise<ComputePlan | undefined> {
  const [row] = await ctx.q.query('SELECT asset FROM compute_plans WHERE channel = $1 AND key = $2', [
    ctx.channel,
    key,
  ]);
  return row ? decode(ComputePlanSchema, row.asset) : undefined;
}

export function computePlanStore(ctx: Ctx): ComputePlanStore {
  return {
    async addComputePlan(plan) {
      await ctx.q.query(
        'INSERT INTO compute_plans (channel, key, owner, creation_date, asset) VALUES ($1, $2, $3, $4::timestamptz, $5)',
        [ctx.channel, plan.key, plan.owner, timestampToSql(plan.creationDate), encode(ComputePlanSchema, plan)],
      );
    },

    getComputePlan: (key) => readComputePlan(ctx, key),

    /** Persists name, cancelation_date and failure_date only. */
    async updateComputePlan(plan) {
      const stored = await readComputePlan(ctx, plan.key);
      if (!stored) return;
      stored.name = plan.name;
      stored.cancelationDate = plan.cancelationDate;
      stored.failureDate = plan.failureDate;
      await ctx.q.query('UPDATE compute_plans SET asset = $3 WHERE channel = $1 AND key = $2', [
        ctx.channel,
        plan.key,
        encode(ComputePlanSchema, stored),
      ]);
    },

    queryComputePlans(page, filter) {
      const params = new Params();
      const where = [`p.channel = ${params.add(ctx.channel)}`];
      if (filter.owner !== undefined) where.push(`p.owner = ${params.add(filter.owner)}`);
      return keysetPage(ctx.q, {
        select: 'p.asset',
        from: 'compute_plans p',
        where,
        params,
        order: [{ column: 'p.creation_date' }, { column: 'p.key' }],
        page,
        decode: (r) => decode(ComputePlanSchema, r.asset),
      });
    },
  };
}
