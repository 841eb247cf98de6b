// Substra's ledger metrics and the Kubernetes probes, read over HTTP from a real server process on a real
// PostgreSQL, as Prometheus and the kubelet would; the database is then stopped to see readiness fall.
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Connection, type OrchestratorClient } from '../../support/client.js';
import { startTestPostgres, type TestPostgres } from '../../support/postgres.js';
import { startServer, type TestServer } from '../../support/server.js';
import { healthCheck } from './introspection.js';
import {
  aggregateTask,
  completeWithModel,
  key,
  seedTask,
  setupFunction,
  setupPlan,
} from '../../conformance/fixtures.js';

const OWNER = 'MyOrg1MSP';
const WORKER = 'MyOrg2MSP';
const CHANNEL = 'mychannel';

let postgres: TestPostgres;
let server: TestServer;
let connection: Connection;
let metricsAddress: string;

beforeAll(async () => {
  postgres = await startTestPostgres();
  server = await startServer({
    env: { ORCHESTRATOR_DATABASE_URL: postgres.url, ORCHESTRATOR_METRICS_ADDRESS: '127.0.0.1:0' },
    channels: { [CHANNEL]: [OWNER, WORKER] },
  });
  metricsAddress = String(server.listening.metrics);
  connection = new Connection(server.address);
}, 60_000);

afterAll(async () => {
  connection?.close();
  await server?.stop();
  await postgres?.stop();
});

const as = (mspid: string): OrchestratorClient => connection.as({ mspid, channel: CHANNEL });

async function get(path: string): Promise<{ status: number; body: string }> {
  const res = await fetch(`http://${metricsAddress}${path}`);
  return { status: res.status, body: await res.text() };
}

/** The value of one sample of the exposition text, e.g. `orc_task_registered_total{channel="mychannel"}`. */
function sample(body: string, series: string): number | undefined {
  const line = body.split('\n').find((l) => l.startsWith(`${series} `));
  return line === undefined ? undefined : Number(line.slice(series.length + 1));
}

describe("Substra's metrics and the probes", () => {
  it('count registered tasks, their batch, each status change, the cascade a DONE task releases, and transactions', async () => {
    const owner = as(OWNER);
    const worker = as(WORKER);
    await owner.organization.registerOrganization({ address: '' });
    await worker.organization.registerOrganization({ address: '' });
    const modelOnly = await setupFunction(owner, 'model-only');
    const aggregate = await setupFunction(owner, 'aggregate');
    const plan = await setupPlan(owner);
    const parent = { ...seedTask({ plan, fn: modelOnly, worker: WORKER }), key: key() };
    const children = [0, 1].map(() => aggregateTask({ plan, fn: aggregate, parents: [parent.key], worker: WORKER }));
    await owner.task.registerTasks({ tasks: [parent, ...children] });
    await completeWithModel(worker, parent.key);
    await owner.plan.getPlan({ key: key() }).catch(() => undefined);

    const { status, body } = await get('/metrics');
    expect(status).toBe(200);
    const ch = `channel="${CHANNEL}"`;
    expect(sample(body, `orc_task_registered_total{${ch}}`)).toBe(3);
    expect(sample(body, `orc_task_registration_batch_size_count{${ch}}`)).toBe(1);
    expect(sample(body, `orc_task_registration_batch_size_sum{${ch}}`)).toBe(3);
    expect(sample(body, `orc_task_updated_total{${ch},status="STATUS_EXECUTING"}`)).toBe(1);
    expect(sample(body, `orc_task_updated_total{${ch},status="STATUS_DONE"}`)).toBe(1);
    expect(sample(body, `orc_task_updated_total{${ch},status="STATUS_WAITING_FOR_EXECUTOR_SLOT"}`)).toBe(2);
    const cascade = `${ch},status="transitionWaitingExecutorSlot"`;
    expect(sample(body, `orc_task_update_cascade_size_count{${cascade}}`)).toBe(1);
    expect(sample(body, `orc_task_update_cascade_size_sum{${cascade}}`)).toBe(2);
    const tx = (method: string, outcome: string) =>
      sample(body, `orc_db_transaction_total{method="/orchestrator.${method}",outcome="${outcome}"}`);
    expect(tx('ComputeTaskService/RegisterTasks', 'commit')).toBe(1);
    expect(tx('ComputePlanService/GetPlan', 'rollback')).toBe(1);
  });

  it('answer liveness always, and readiness (HTTP and gRPC health) only while the database answers', async () => {
    expect(await get('/healthz')).toEqual({ status: 200, body: 'ok\n' });
    expect(await get('/readyz')).toEqual({ status: 200, body: 'ready\n' });
    expect(await healthCheck(server.address, '')).toBe('SERVING');
    await postgres.stop();
    expect(await get('/readyz')).toEqual({ status: 503, body: 'not ready\n' });
    expect((await get('/healthz')).status).toBe(200);
    // The health service follows the storage on its own schedule (every 2 s): poll, bounded.
    let status = 'SERVING';
    for (let i = 0; i < 50 && status === 'SERVING'; i++) {
      await sleep(200);
      status = await healthCheck(server.address, 'orchestrator.ComputeTaskService');
    }
    expect(status).toBe('NOT_SERVING');
    expect(server.logs.some((line) => line.includes('storage unreachable: NOT_SERVING'))).toBe(true);
  });
});
