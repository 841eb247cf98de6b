// Micro-benchmark of postgresDBAL (not a test): `npx tsx test/unit/postgres/dbal-bench.ts`.
// Registers a 10,000-task plan in 10 batches of 1,000 (tasks + their CREATED events, one transaction per batch, as
// RegisterTasks does), then measures GetTask-like reads (one read-only transaction per call, and bare calls inside
// one transaction) and 100-task pages of the plan.
// Engine: a throwaway PostgreSQL 15 (fsync off, loopback TCP).
import { AssetKind, EventKind } from '../../../lib/asset/index.js';
import { openPostgres, postgresDBAL, runInTransaction, type DbHandle } from '../../../lib/postgres/index.js';
import { startTestPostgres } from '../../support/postgres.js';
import { event, fn, plan, task } from './fixtures.js';

const BATCHES = 10;
const BATCH = 1_000;
const READS = 1_000;

function quantile(sorted: number[], q: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? NaN;
}

async function bench(name: string, db: DbHandle): Promise<Record<string, number | string>> {
  const ch = 'bench';
  await runInTransaction(db, { readOnly: false }, async (q) => {
    const d = postgresDBAL(q, ch);
    await d.addComputePlan(plan('plan'));
    await d.addFunction(fn('fn'));
  });
  const keys: string[] = [];
  const batchMs: number[] = [];
  const started = performance.now();
  for (let b = 0; b < BATCHES; b++) {
    const tasks = Array.from({ length: BATCH }, (_, i) => {
      const parent = b > 0 ? keys[(b - 1) * BATCH + i] : undefined;
      return task(`t-${b}-${i}`, { s: b, us: i, parents: parent ? [parent] : [] });
    });
    const t0 = performance.now();
    await runInTransaction(db, { readOnly: false, retryBudgetMs: 60_000 }, async (q) => {
      const d = postgresDBAL(q, ch);
      await d.addComputeTasks(tasks);
      await d.addEvents(
        tasks.map((t) =>
          event(`ev-${t.key}`, t.key, {
            assetKind: AssetKind.ASSET_COMPUTE_TASK,
            eventKind: EventKind.EVENT_ASSET_CREATED,
            asset: { case: 'computeTask', value: t },
          }),
        ),
      );
    });
    batchMs.push(performance.now() - t0);
    keys.push(...tasks.map((t) => t.key));
  }
  const registerMs = performance.now() - started;

  const getMs: number[] = [];
  for (let i = 0; i < READS; i++) {
    const key = keys[(i * 7919) % keys.length] as string;
    const t0 = performance.now();
    const got = await runInTransaction(db, { readOnly: true }, (q) => postgresDBAL(q, ch).getComputeTask(key));
    getMs.push(performance.now() - t0);
    if (got?.key !== key) throw new Error(`missing ${key}`);
  }
  getMs.sort((a, b) => a - b);
  // The same reads inside one transaction: the DBAL call alone, without BEGIN/COMMIT round trips.
  const inTxMs = await runInTransaction(db, { readOnly: true }, async (q) => {
    const d = postgresDBAL(q, ch);
    const times: number[] = [];
    for (let i = 0; i < READS; i++) {
      const t0 = performance.now();
      await d.getComputeTask(keys[(i * 7919) % keys.length] as string);
      times.push(performance.now() - t0);
    }
    return times.sort((a, b) => a - b);
  });

  const pageMs: number[] = [];
  let token = '';
  for (let i = 0; i < 100; i++) {
    const t0 = performance.now();
    const page = await runInTransaction(db, { readOnly: true }, (q) =>
      postgresDBAL(q, ch).queryComputeTasks({ token, size: 100 }, { computePlanKey: 'plan' }),
    );
    pageMs.push(performance.now() - t0);
    token = page.nextToken;
  }
  pageMs.sort((a, b) => a - b);

  return {
    engine: name,
    'tasks/s (10×1000, tasks+events)': Math.round((BATCHES * BATCH) / (registerMs / 1000)),
    'batch ms p50': Math.round(
      quantile(
        [...batchMs].sort((a, b) => a - b),
        0.5,
      ),
    ),
    'getComputeTask ms p50': Number(quantile(getMs, 0.5).toFixed(3)),
    'getComputeTask ms p99': Number(quantile(getMs, 0.99).toFixed(3)),
    'getComputeTask in-tx ms p50': Number(quantile(inTxMs, 0.5).toFixed(3)),
    'queryComputeTasks(100) ms p50': Number(quantile(pageMs, 0.5).toFixed(3)),
  };
}

const results: Record<string, number | string>[] = [];
const server = await startTestPostgres();
try {
  const pgDb = await openPostgres(server.url);
  results.push(await bench('postgresql-15', pgDb));
  await pgDb.close();
} finally {
  await server.stop();
}
console.table(results);
