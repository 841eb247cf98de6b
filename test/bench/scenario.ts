import { randomUUID } from 'node:crypto';
import { AssetKind, FunctionAction } from '../../lib/asset/index.js';
import type { OrchestratorClient } from '../support/client.js';
import { now, percentile, round } from './stats.js';

const ORG = 'MyOrg1MSP';
const checksum = 'a'.repeat(64);
const addressable = (name: string) => ({ checksum, storageAddress: `http://storage.local/${name}` });
const open = { public: true, authorizedIds: [] };

export interface Figures {
  tasks: number;
  batchSize: number;
  registerTasksPerSecond: number;
  getTaskP50Ms: number;
  getTaskP99Ms: number;
  queryTasksP50Ms: number;
  queryTasksP99Ms: number;
  replayedEvents: number;
  replayEventsPerSecond: number;
  writeToSubscriberP50Ms: number;
  writeToSubscriberP99Ms: number;
}

/** Registers a plan of `tasks` tasks (each batch's tasks are children of the previous batch's) and measures. */
const progress = (step: string): void => {
  process.stderr.write(`[bench]   ${new Date().toISOString().slice(11, 19)} ${step}\n`);
};

export async function runScenario(client: OrchestratorClient, tasks = 10_000, batchSize = 1_000): Promise<Figures> {
  await client.organization.registerOrganization({}).catch(() => undefined);
  const functionKey = randomUUID();
  await client.function.registerFunction({
    key: functionKey,
    name: 'train',
    description: addressable(`${functionKey}/description`),
    archive: addressable(`${functionKey}/archive`),
    newPermissions: open,
    inputs: { model: { kind: AssetKind.ASSET_MODEL, optional: true } },
    outputs: { model: { kind: AssetKind.ASSET_MODEL } },
  });
  await client.function.applyFunctionAction({ functionKey, action: FunctionAction.BUILDING });
  await client.function.applyFunctionAction({ functionKey, action: FunctionAction.READY });
  const planKey = randomUUID();
  await client.plan.registerPlan({ key: planKey, name: 'bench' });

  const taskKeys: string[] = [];
  let previous: string[] = [];
  const started = now();
  for (let b = 0; b < tasks / batchSize; b++) {
    const batch = Array.from({ length: batchSize }, (_, i) => {
      const key = randomUUID();
      const parent = previous[i];
      return {
        key,
        functionKey,
        computePlanKey: planKey,
        worker: ORG,
        inputs: parent
          ? [
              {
                identifier: 'model',
                ref: { case: 'parentTaskOutput' as const, value: { parentTaskKey: parent, outputIdentifier: 'model' } },
              },
            ]
          : [],
        outputs: { model: { permissions: open, transient: false } },
      };
    });
    await client.task.registerTasks({ tasks: batch }, { timeoutMs: 300_000 });
    previous = batch.map((t) => t.key);
    taskKeys.push(...previous);
  }
  const registerSeconds = (now() - started) / 1000;
  progress(`registered ${tasks} tasks in ${registerSeconds.toFixed(1)}s`);

  const getTask: number[] = [];
  for (let i = 0; i < 2_000; i++) {
    const key = taskKeys[(i * 7919) % taskKeys.length] ?? '';
    const t0 = now();
    await client.task.getTask({ key });
    getTask.push(now() - t0);
  }
  const queryTasks: number[] = [];
  let token = '';
  for (let i = 0; i < 200; i++) {
    const t0 = now();
    const page = await client.task.queryTasks({ pageToken: token, pageSize: 50, filter: { computePlanKey: planKey } });
    queryTasks.push(now() - t0);
    token = page.nextPageToken;
  }

  progress('GetTask and QueryTasks measured');
  const replay = await measureReplay(client);
  progress(`replayed ${replay.count} events`);
  const live = await measureLive(client);
  progress('live latency measured');
  return {
    tasks,
    batchSize,
    registerTasksPerSecond: round(tasks / registerSeconds, 0),
    getTaskP50Ms: round(percentile(getTask, 50), 3),
    getTaskP99Ms: round(percentile(getTask, 99), 3),
    queryTasksP50Ms: round(percentile(queryTasks, 50), 3),
    queryTasksP99Ms: round(percentile(queryTasks, 99), 3),
    replayedEvents: replay.count,
    replayEventsPerSecond: round(replay.perSecond, 0),
    writeToSubscriberP50Ms: round(percentile(live, 50), 3),
    writeToSubscriberP99Ms: round(percentile(live, 99), 3),
  };
}

/**
 * Reads the whole channel history through SubscribeToEvents, up to a marker written last (QueryEvents cannot name the
 * last event: within one request every event has the same timestamp and the tiebreak is the id).
 */
async function measureReplay(client: OrchestratorClient): Promise<{ count: number; perSecond: number }> {
  const marker = randomUUID();
  await client.profiling.registerProfilingStep({ assetKey: marker, step: 'bench-marker', duration: 1 });
  const stream = client.event.subscribeToEvents({ startEventId: '' });
  const t0 = now();
  let count = 0;
  for await (const event of stream) {
    count++;
    if (event.assetKey === marker) break;
  }
  const seconds = (now() - t0) / 1000;
  stream.cancel();
  return { count, perSecond: count / seconds };
}

/** Time from sending a small write to receiving its event on a live subscription, over sequential writes. */
async function measureLive(client: OrchestratorClient, samples = 300): Promise<number[]> {
  const { events } = await client.event.queryEvents({ pageSize: 1, sort: 2 });
  const stream = client.event.subscribeToEvents({ startEventId: events[0]?.id ?? '' });
  const iterator = stream[Symbol.asyncIterator]();
  const latencies: number[] = [];
  for (let i = 0; i < samples; i++) {
    const assetKey = randomUUID();
    const t0 = now();
    await client.profiling.registerProfilingStep({ assetKey, step: 'bench', duration: 1 });
    for (;;) {
      const { value, done } = await iterator.next();
      if (done) throw new Error('event stream ended');
      if (value.assetKey === assetKey) break;
    }
    latencies.push(now() - t0);
  }
  stream.cancel();
  return latencies;
}
