import type { FailureReportStore } from '../../persistence/index.js';
import { FailureReportSchema } from '../../asset/index.js';
import { decode, encode, timestampToSql } from '../codec.js';
import type { Ctx } from './common.js';

export function failureReportStore(ctx: Ctx): FailureReportStore {
  return {
    async addFailureReport(report) {
      await ctx.q.query(
        'INSERT INTO failure_reports (channel, asset_key, creation_date, asset) VALUES ($1, $2, $3::timestamptz, $4)',
        [ctx.channel, report.assetKey, timestampToSql(report.creationDate), encode(FailureReportSchema, report)],
      );
    },

    async getFailureReport(assetKey) {
      const [row] = await ctx.q.query('SELECT asset FROM failure_reports WHERE channel = $1 AND asset_key = $2', [
        ctx.channel,
        assetKey,
      ]);
      return row ? decode(FailureReportSchema, row.asset) : undefined;
    },
  };
}
