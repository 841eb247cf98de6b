// `node dist/test/bench/pgstats.js [--tasks N]`: where PostgreSQL mode's time goes on the database side. Runs the
// bench scenario against a server whose PostgreSQL loads pg_stat_statements, then prints the statements by total
// time and EXPLAIN (ANALYZE, BUFFERS) of the GetTask and QueryTasks statements on the data the scenario left.
import pg from 'pg';
import { connect } from '../support/client.js';
import { startTestPostgres } from '../support/postgres.js';
import { runScenario } from './scenario.js';
import { startBenchServer } from './target.js';

async function main(): Promise<void> {
  const index = process.argv.indexOf('--tasks');
  const tasks = index >= 0 ? Number(process.argv[index + 1]) : 10_000;
  const database = await startTestPostgres('orchestrator', undefined, {
    shared_preload_libraries: 'pg_stat_statements',
    'pg_stat_statements.track': 'all',
  });
  const server = await startBenchServer({ ORCHESTRATOR_DATABASE_URL: database.url });
  const db = new pg.Client({ connectionString: database.url });
  try {
    await db.connect();
    await db.query('CREATE EXTENSION IF NOT EXISTS pg_stat_statements');
    await db.query('SELECT pg_stat_statements_reset()');
    const client = connect(server.address, { mspid: 'MyOrg1MSP', channel: 'mychannel', timeoutMs: 120_000 });
    const figures = await runScenario(client, server.address, tasks, 1_000, () => server.peakRssMiB());
    client.connection.close();
    console.log(JSON.stringify(figures));
    const top = await db.query<{ calls: string; total: string; mean: string; rows: string; query: string }>(
      'SELECT calls::text, round(total_exec_time::numeric, 1)::text AS total, ' +
        'round(mean_exec_time::numeric, 3)::text AS mean, rows::text, query FROM pg_stat_statements ' +
        "WHERE query NOT LIKE '%pg_stat_statements%' ORDER BY total_exec_time DESC LIMIT 15",
    );
    console.log('\n| calls | total ms | mean ms | rows | statement |\n|---|---|---|---|---|');
    for (const r of top.rows) {
      console.log(
        `| ${r.calls} | ${r.total} | ${r.mean} | ${r.rows} | \`${r.query.replace(/\s+/g, ' ').slice(0, 140)}\` |`,
      );
    }
    const { rows: sample } = await db.query<{ channel: string; key: string; plan: string }>(
      'SELECT channel, key, compute_plan_key AS plan FROM compute_tasks ORDER BY creation_date DESC, key LIMIT 1',
    );
    const task = sample[0];
    if (task === undefined) throw new Error('no task stored');
    const explain = async (title: string, sql: string, params: unknown[]): Promise<void> => {
      const { rows } = await db.query<{ 'QUERY PLAN': string }>(`EXPLAIN (ANALYZE, BUFFERS) ${sql}`, params);
      console.log(`\n${title}\n${rows.map((r) => r['QUERY PLAN']).join('\n')}`);
    };
    await explain('GetTask', 'SELECT t.asset, t.status FROM compute_tasks t WHERE t.channel = $1 AND t.key = $2', [
      task.channel,
      task.key,
    ]);
    await explain(
      'QueryTasks, a page of 50 deep in the plan',
      'SELECT t.asset, t.status, t.creation_date, t.key FROM compute_tasks t WHERE t.channel = $1 AND ' +
        't.compute_plan_key = $2 AND (t.creation_date, t.key) > (SELECT creation_date, key FROM compute_tasks ' +
        'WHERE channel = $1 AND compute_plan_key = $2 ORDER BY creation_date, key OFFSET 9000 LIMIT 1) ' +
        'ORDER BY t.creation_date, t.key LIMIT 51',
      [task.channel, task.plan],
    );
  } finally {
    await db.end().catch(() => undefined);
    await server.stop();
    await database.stop();
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
