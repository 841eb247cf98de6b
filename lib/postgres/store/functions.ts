import type { FunctionStore } from '../../persistence/index.js';
import { FunctionSchema, type Function as OrcFunction } from '../../asset/index.js';
import { decode, encode, timestampToSql } from '../codec.js';
import { keysetPage, Params, type Ctx } from './common.js';

async function readFunction(ctx: Ctx, key: string): Promise<OrcFunction | undefined> {
  const [row] = await ctx.q.query('SELECT asset FROM functions WHERE channel = $1 AND key = $2', [ctx.channel, key]);
  return row ? decode(FunctionSchema, row.asset) : undefined;
}

export function functionStore(ctx: Ctx): FunctionStore {
  return {
    async addFunction(fn) {
      await ctx.q.query(
        'INSERT INTO functions (channel, key, owner, status, creation_date, asset) VALUES ($1, $2, $3, $4, $5::timestamptz, $6)',
        [ctx.channel, fn.key, fn.owner, fn.status, timestampToSql(fn.creationDate), encode(FunctionSchema, fn)],
      );
    },

    getFunction: (key) => readFunction(ctx, key),

    /** Persists name, status and image only (the other fields are immutable). */
    async updateFunction(fn) {
      const stored = await readFunction(ctx, fn.key);
      if (!stored) return;
      stored.name = fn.name;
      stored.status = fn.status;
      stored.image = fn.image;
      await ctx.q.query('UPDATE functions SET status = $3, asset = $4 WHERE channel = $1 AND key = $2', [
        ctx.channel,
        fn.key,
        stored.status,
        encode(FunctionSchema, stored),
      ]);
    },

    queryFunctions(page, filter) {
      const params = new Params();
      const where = [`f.channel = ${params.add(ctx.channel)}`];
      if (filter.computePlanKey !== undefined) {
        where.push(
          'EXISTS (SELECT 1 FROM compute_tasks t WHERE t.channel = f.channel AND t.function_key = f.key ' +
            `AND t.compute_plan_key = ${params.add(filter.computePlanKey)})`,
        );
      }
      return keysetPage(ctx.q, {
        select: 'f.asset',
        from: 'functions f',
        where,
        params,
        order: [{ column: 'f.creation_date' }, { column: 'f.key' }],
        page,
        decode: (r) => decode(FunctionSchema, r.asset),
      });
    },
  };
}
