// What tasks produce: output assets, models, performances, failure reports.
import type { Page, PageRequest, PerformanceFilter } from '../../persistence/index.js';
import {
  ComputeTaskOutputAssetSchema,
  FailureReportSchema,
  ModelSchema,
  PerformanceSchema,
  type ComputeTaskOutputAsset,
  type FailureReport,
  type Model,
  type Performance,
} from '../../asset/index.js';
import { decode, encode, timestampToSql } from '../codec.js';
import { keysetPage, Params, type Ctx } from './common.js';

export async function addComputeTaskOutputAsset(ctx: Ctx, asset: ComputeTaskOutputAsset): Promise<void> {
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
}

export async function getComputeTaskOutputAssets(
  ctx: Ctx,
  taskKey: string,
  identifier: string,
): Promise<ComputeTaskOutputAsset[]> {
  const rows = await ctx.q.query(
    'SELECT asset FROM compute_task_output_assets ' +
      'WHERE channel = $1 AND compute_task_key = $2 AND output_identifier = $3 ORDER BY position',
    [ctx.channel, taskKey, identifier],
  );
  return rows.map((r) => decode(ComputeTaskOutputAssetSchema, r.asset));
}

export async function countComputeTaskOutputAssets(ctx: Ctx, taskKey: string): Promise<Map<string, number>> {
  const rows = await ctx.q.query<{ identifier: string; n: number }>(
    'SELECT output_identifier AS identifier, count(*)::int AS n FROM compute_task_output_assets ' +
      'WHERE channel = $1 AND compute_task_key = $2 GROUP BY output_identifier',
    [ctx.channel, taskKey],
  );
  return new Map(rows.map((r) => [r.identifier, Number(r.n)]));
}

export async function addModel(ctx: Ctx, model: Model): Promise<void> {
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
}

export async function getModel(ctx: Ctx, key: string): Promise<Model | undefined> {
  const [row] = await ctx.q.query('SELECT asset FROM models WHERE channel = $1 AND key = $2', [ctx.channel, key]);
  return row ? decode(ModelSchema, row.asset) : undefined;
}

export async function getComputeTaskOutputModels(ctx: Ctx, taskKey: string): Promise<Model[]> {
  const rows = await ctx.q.query(
    'SELECT asset FROM models WHERE channel = $1 AND compute_task_key = $2 ORDER BY creation_date, key',
    [ctx.channel, taskKey],
  );
  return rows.map((r) => decode(ModelSchema, r.asset));
}

/** Persists the address only (absent once the model is disabled). */
export async function updateModel(ctx: Ctx, model: Model): Promise<void> {
  const stored = await getModel(ctx, model.key);
  if (!stored) return;
  stored.address = model.address;
  await ctx.q.query('UPDATE models SET asset = $3 WHERE channel = $1 AND key = $2', [
    ctx.channel,
    model.key,
    encode(ModelSchema, stored),
  ]);
}

export async function addPerformance(ctx: Ctx, perf: Performance): Promise<void> {
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
}

export async function getPerformance(ctx: Ctx, taskKey: string, identifier: string): Promise<Performance | undefined> {
  const [row] = await ctx.q.query(
    'SELECT asset FROM performances WHERE channel = $1 AND compute_task_key = $2 AND output_identifier = $3',
    [ctx.channel, taskKey, identifier],
  );
  return row ? decode(PerformanceSchema, row.asset) : undefined;
}

export function queryPerformances(ctx: Ctx, page: PageRequest, filter: PerformanceFilter): Promise<Page<Performance>> {
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
}

export async function addFailureReport(ctx: Ctx, report: FailureReport): Promise<void> {
  await ctx.q.query(
    'INSERT INTO failure_reports (channel, asset_key, creation_date, asset) VALUES ($1, $2, $3::timestamptz, $4)',
    [ctx.channel, report.assetKey, timestampToSql(report.creationDate), encode(FailureReportSchema, report)],
  );
}

export async function getFailureReport(ctx: Ctx, assetKey: string): Promise<FailureReport | undefined> {
  const [row] = await ctx.q.query('SELECT asset FROM failure_reports WHERE channel = $1 AND asset_key = $2', [
    ctx.channel,
    assetKey,
  ]);
  return row ? decode(FailureReportSchema, row.asset) : undefined;
}
