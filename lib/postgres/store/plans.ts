import type { Page, PageRequest, PlanFilter } from '../../persistence/index.js';
import { ComputePlanSchema, type ComputePlan, type ComputeTaskStatus } from '../../asset/index.js';
import { decode, encode, timestampToSql } from '../codec.js';
import { keysetPage, Params, type Ctx } from './common.js';

export async function addComputePlan(ctx: Ctx, plan: ComputePlan): Promise<void> {
  await ctx.q.query(
    'INSERT INTO compute_plans (channel, key, owner, creation_date, asset) VALUES ($1, $2, $3, $4::timestamptz, $5)',
    [ctx.channel, plan.key, plan.owner, timestampToSql(plan.creationDate), encode(ComputePlanSchema, plan)],
  );
}

export async function getComputePlan(ctx: Ctx, key: string): Promise<ComputePlan | undefined> {
  const [row] = await ctx.q.query('SELECT asset FROM compute_plans WHERE channel = $1 AND key = $2', [
    ctx.channel,
    key,
  ]);
  return row ? decode(ComputePlanSchema, row.asset) : undefined;
}

/** Persists name, cancelation_date and failure_date only. */
export async function updateComputePlan(ctx: Ctx, plan: ComputePlan): Promise<void> {
  const stored = await getComputePlan(ctx, plan.key);
  if (!stored) return;
  stored.name = plan.name;
  stored.cancelationDate = plan.cancelationDate;
  stored.failureDate = plan.failureDate;
  await ctx.q.query('UPDATE compute_plans SET asset = $3 WHERE channel = $1 AND key = $2', [
    ctx.channel,
    plan.key,
    encode(ComputePlanSchema, stored),
  ]);
}

export function queryComputePlans(ctx: Ctx, page: PageRequest, filter: PlanFilter): Promise<Page<ComputePlan>> {
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
}

export async function getComputePlanTaskStatuses(ctx: Ctx, planKey: string): Promise<Set<ComputeTaskStatus>> {
  const rows = await ctx.q.query<{ status: number }>(
    'SELECT DISTINCT status FROM compute_tasks WHERE channel = $1 AND compute_plan_key = $2',
    [ctx.channel, planKey],
  );
  return new Set(rows.map((r) => Number(r.status) as ComputeTaskStatus));
}
