import type { ComputeTaskStore } from '../../persistence/index.js';
import { ComputeTaskSchema, type ComputeTask, type ComputeTaskStatus } from '../../asset/index.js';
import { decode, encode, timestampToSql } from '../codec.js';
import type { Row } from '../sql.js';
import { keysetPage, Params, type Ctx } from './common.js';

// The `status` column is authoritative (status changes touch only it); reads patch it into the stored message.
const SELECT = 't.asset, t.status';

function toTask(row: Row): ComputeTask {
  const task = decode(ComputeTaskSchema, row.asset);
  task.status = Number(row.status) as ComputeTaskStatus;
  return task;
}

/** Distinct parent task keys referenced by a task's inputs. */
function parentKeys(task: ComputeTask): string[] {
  const parents = new Set<string>();
  for (const input of task.inputs) {
    if (input.ref.case === 'parentTaskOutput') parents.add(input.ref.value.parentTaskKey);
  }
  return [...parents];
}

export function computeTaskStore(ctx: Ctx): ComputeTaskStore {
  return {
    async addComputeTasks(tasks) {
      if (tasks.length === 0) return;
      await ctx.q.query(
        'INSERT INTO compute_tasks ' +
          '(channel, key, compute_plan_key, function_key, worker, owner, status, rank, creation_date, asset) ' +
          'SELECT $1, * FROM unnest($2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::int[], $8::int[], ' +
          '$9::timestamptz[], $10::bytea[])',
        [
          ctx.channel,
          tasks.map((t) => t.key),
          tasks.map((t) => t.computePlanKey),
          tasks.map((t) => t.functionKey),
          tasks.map((t) => t.worker),
          tasks.map((t) => t.owner),
          tasks.map((t) => t.status),
          tasks.map((t) => t.rank),
          tasks.map((t) => timestampToSql(t.creationDate)),
          tasks.map((t) => encode(ComputeTaskSchema, t)),
        ],
      );
      const parents: string[] = [];
      const children: string[] = [];
      for (const task of tasks) {
        for (const parent of parentKeys(task)) {
          parents.push(parent);
          children.push(task.key);
        }
      }
      if (parents.length === 0) return;
      await ctx.q.query(
        'INSERT INTO compute_task_parents (channel, parent_key, child_key) SELECT $1, * FROM unnest($2::text[], $3::text[])',
        [ctx.channel, parents, children],
      );
    },

    async getComputeTask(key) {
      const [row] = await ctx.q.query(`SELECT ${SELECT} FROM compute_tasks t WHERE t.channel = $1 AND t.key = $2`, [
        ctx.channel,
        key,
      ]);
      return row ? toTask(row) : undefined;
    },

    async getComputeTasks(keys) {
      if (keys.length === 0) return [];
      const rows = await ctx.q.query(
        `SELECT ${SELECT} FROM compute_tasks t WHERE t.channel = $1 AND t.key = ANY($2::text[])`,
        [ctx.channel, keys],
      );
      return rows.map(toTask);
    },

    async updateComputeTaskStatus(key, status) {
      await ctx.q.query('UPDATE compute_tasks SET status = $3 WHERE channel = $1 AND key = $2', [
        ctx.channel,
        key,
        status,
      ]);
    },

    queryComputeTasks(page, filter) {
      const params = new Params();
      const where = [`t.channel = ${params.add(ctx.channel)}`];
      if (filter.worker !== undefined) where.push(`t.worker = ${params.add(filter.worker)}`);
      if (filter.status !== undefined) where.push(`t.status = ${params.add(filter.status)}`);
      if (filter.computePlanKey !== undefined) where.push(`t.compute_plan_key = ${params.add(filter.computePlanKey)}`);
      if (filter.functionKey !== undefined) where.push(`t.function_key = ${params.add(filter.functionKey)}`);
      return keysetPage(ctx.q, {
        select: SELECT,
        from: 'compute_tasks t',
        where,
        params,
        order: [{ column: 't.creation_date' }, { column: 't.key' }],
        page,
        decode: toTask,
      });
    },

    async getComputeTaskChildren(key) {
      const rows = await ctx.q.query(
        `SELECT ${SELECT} FROM compute_task_parents p JOIN compute_tasks t ON t.channel = p.channel AND t.key = p.child_key ` +
          'WHERE p.channel = $1 AND p.parent_key = $2 ORDER BY t.creation_date, t.key',
        [ctx.channel, key],
      );
      return rows.map(toTask);
    },

    async getFunctionTasksWithStatus(functionKey, statuses) {
      if (statuses.length === 0) return [];
      const rows = await ctx.q.query(
        `SELECT ${SELECT} FROM compute_tasks t WHERE t.channel = $1 AND t.function_key = $2 AND t.status = ANY($3::int[]) ` +
          'ORDER BY t.creation_date, t.key',
        [ctx.channel, functionKey, statuses],
      );
      return rows.map(toTask);
    },

    async getComputePlanTaskStatuses(planKey) {
      const rows = await ctx.q.query<{ status: number }>(
        'SELECT DISTINCT status FROM compute_tasks WHERE channel = $1 AND compute_plan_key = $2',
        [ctx.channel, planKey],
      );
      return new Set(rows.map((r) => Number(r.status) as ComputeTaskStatus));
    },
  };
}
