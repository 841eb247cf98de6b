import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { AssetKind, FunctionAction } from '../../lib/asset/index.js';
import type { OrchestratorClient } from '../support/client.js';
import { startCpuBurners } from './burner.js';
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
  /** GetTask while every core is kept busy by spinning processes. */
  getTaskLoadedP50Ms: number;
  getTaskLoadedP99Ms: number;
  queryTasksP50Ms: number;
  queryTasksP99Ms: number;
  replayedEvents: number;
  replayEventsPerSecond: number;
  writeToSubscriberP50Ms: number;
  writeToSubscriberP99Ms: number;
  /** A small write's latency, no stream open; then with SUBSCRIBERS streams open and consuming. */
  writeP50Ms: number;
  writeWithSubscribersP50Ms: number;
  subscribers: number;
  serverPeakRssBeforeStreamsMiB: number;
}

const SUBSCRIBERS = 300;

/** Registers a plan of `tasks` tasks (each batch's tasks are children of the previous batch's) and measures. */
const progress = (step: string): void => {
  process.stderr.write(`[bench]   ${new Date().toISOString().slice(11, 19)} ${step}\n`);
};

export async function runScenario(
  client: OrchestratorClient,
  address: string,
  tasks = 10_000,
  batchSize = 1_000,
  peakRssMiB: () => number = () => Number.NaN,
): Promise<Figures> {
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

  const getTask = await measureGetTask(client, taskKeys);
  const stopBurners = startCpuBurners();
  let getTaskLoaded: number[];
  try {
    getTaskLoaded = await measureGetTask(client, taskKeys);
  } finally {
    await stopBurners();
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
  // Before the 300 streams: the peak of registering, reading and replaying alone.
  const peakBeforeStreams = peakRssMiB();
  const write = await measureWrites(client);
  const withSubscribers = await withOpenSubscribers(client, address, SUBSCRIBERS, () => measureWrites(client));
  progress(`write latency with ${SUBSCRIBERS} subscribers measured`);
  return {
    tasks,
    batchSize,
    registerTasksPerSecond: round(tasks / registerSeconds, 0),
    getTaskP50Ms: round(percentile(getTask, 50), 3),
    getTaskP99Ms: round(percentile(getTask, 99), 3),
    getTaskLoadedP50Ms: round(percentile(getTaskLoaded, 50), 3),
    getTaskLoadedP99Ms: round(percentile(getTaskLoaded, 99), 3),
    queryTasksP50Ms: round(percentile(queryTasks, 50), 3),
    queryTasksP99Ms: round(percentile(queryTasks, 99), 3),
    replayedEvents: replay.count,
    replayEventsPerSecond: round(replay.perSecond, 0),
    writeToSubscriberP50Ms: round(percentile(live, 50), 3),
    writeToSubscriberP99Ms: round(percentile(live, 99), 3),
    writeP50Ms: round(percentile(write, 50), 3),
    writeWithSubscribersP50Ms: round(percentile(withSubscribers, 50), 3),
    subscribers: SUBSCRIBERS,
    serverPeakRssBeforeStreamsMiB: round(peakBeforeStreams, 1),
  };
}

/** 2,000 GetTask calls spread over the plan's tasks, one at a time. */
async function measureGetTask(client: OrchestratorClient, taskKeys: readonly string[]): Promise<number[]> {
  const latencies: number[] = [];
  for (let i = 0; i < 2_000; i++) {
    const key = taskKeys[(i * 7919) % taskKeys.length] ?? '';
    const t0 = now();
    await client.task.getTask({ key });
    latencies.push(now() - t0);
  }
  return latencies;
}

/** Latencies of sequential single-event writes (RegisterProfilingStep). */
async function measureWrites(client: OrchestratorClient, samples = 200): Promise<number[]> {
  const latencies: number[] = [];
  for (let i = 0; i < samples; i++) {
    const t0 = now();
    await client.profiling.registerProfilingStep({ assetKey: randomUUID(), step: 'bench-write', duration: 1 });
    latencies.push(now() - t0);
  }
  return latencies;
}

/** Runs `fn` while `count` streams, held by another process (subscribers.ts), receive every new event. */
async function withOpenSubscribers<T>(
  client: OrchestratorClient,
  address: string,
  count: number,
  fn: () => Promise<T>,
): Promise<T> {
  const { events } = await client.event.queryEvents({ pageSize: 1, sort: 2 });
  const marker = randomUUID();
  const child = spawn(
    process.execPath,
    [join(import.meta.dirname, 'subscribers.js'), address, String(count), events[0]?.id ?? '', marker],
    { stdio: ['ignore', 'pipe', 'inherit'] },
  );
  const killChild = (): void => void child.kill('SIGKILL');
  process.once('exit', killChild);
  try {
    const lines = createInterface({ input: child.stdout });
    const ready = new Promise<void>((resolve, reject) => {
      lines.on('line', (line) => line === 'ready' && resolve());
      child.once('exit', (code) => reject(new Error(`subscribers process exited (${code}) before ready`)));
    });
    // Streams open asynchronously; one opened after the marker was written still replays it (it starts before it).
    await client.profiling.registerProfilingStep({ assetKey: marker, step: 'bench-marker', duration: 1 });
    await ready;
    return await fn();
  } finally {
    process.off('exit', killChild);
    child.kill('SIGKILL');
  }
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
