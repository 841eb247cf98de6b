import type { PerformanceStore } from '../../persistence/index.js';
import { PerformanceSchema } from '../../asset/index.js';
import { decode, encode, timestampToSql } from '../codec.js';
import { keysetPage, Params, type Ctx } from './common.js';

export function performanceStore(ctx: Ctx): PerformanceStore {
  return {
    async addPerformance(perf) {
      await ctx.q.query(
        'INSERT INTO performances (channel, compute_task_key, output_identifier, creation_date, asset) ' +
          'VALUES ($1, $2, $3, $4::timestamptz, $5)',
        [
          ctx.channel,
          perf.computeTaskKey,
          perf.computeTaskOutputIdentifier,
          timestampToSql(perf.creationDate),
          encode(PerformanceSchema, perf),
        ],
      );
    },

    async getPerformance(taskKey, identifier) {
      const [row] = await ctx.q.query(
        'SELECT asset FROM performances WHERE channel = $1 AND compute_task_key = $2 AND output_identifier = $3',
        [ctx.channel, taskKey, identifier],
      );
      return row ? decode(PerformanceSchema, row.asset) : undefined;
    },

    queryPerformances(page, filter) {
      const params = new Params();
      const where = [`p.channel = ${params.add(ctx.channel)}`];
      if (filter.computeTaskKey !== undefined) where.push(`p.compute_task_key = ${params.add(filter.computeTaskKey)}`);
      if (filter.computeTaskOutputIdentifier !== undefined) {
        where.push(`p.output_identifier = ${params.add(filter.computeTaskOutputIdentifier)}`);
      }
      return keysetPage(ctx.q, {
        select: 'p.asset',
        from: 'performances p',
        where,
        params,
        order: [
          { column: 'p.creation_date' },
          { column: 'p.compute_task_key', desc: true },
          { column: 'p.output_identifier' },
        ],
        page,
        decode: (r) => decode(PerformanceSchema, r.asset),
      });
    },
  };
}
