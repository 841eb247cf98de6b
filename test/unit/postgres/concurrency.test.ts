// Concurrent writers on one channel (PostgreSQL): they queue per channel (in process, and across processes through a
// transaction-level advisory lock) instead of aborting each other under SERIALIZABLE; a queued write gives up
// cleanly; reads and other channels never wait for it.
import { randomUUID } from 'node:crypto';
import { create, type DescMessage } from '@bufbuild/protobuf';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CallContext } from '../../../facade/backend.js';
import { PostgresBackend } from '../../../facade/postgres/backend.js';
import { createLogger } from '../../../facade/logger.js';
import { rpcByPath, type UnaryRpc } from '../../../lib/api/index.js';
import {
  AssetKind,
  ComputeTaskAction,
  ComputeTaskStatus,
  EventKind,
  FunctionAction,
  type ComputePlan,
  type ComputeTask,
  type Function as OrcFunction,
} from '../../../lib/asset/index.js';
import { GrpcStatus, isOrcError } from '../../../lib/errors/index.js';
import { openPostgres, postgresDBAL, runInTransaction, type DbHandle } from '../../../lib/postgres/index.js';
import { KeyedMutex } from '../../../lib/postgres/lock.js';
import { EventBuffer, Provider, wallClock } from '../../../lib/service/index.js';
import { startTestPostgres, type TestPostgres } from '../../support/postgres.js';
import { aggregateTask, newFunction, seedTask } from '../../conformance/fixtures.js';
import { freshChannel } from './engines.js';
import { plan as planAsset } from './fixtures.js';

const BUDGET_MS = 500;
/** Inside every write of the race: stands for a loaded 2-core machine, where a large batch takes > 250 ms. */
const SLOW_MS = 60;
const OWNER = 'MyOrg1MSP';
const WORKER = 'MyOrg2MSP';

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

type Init = Record<string, unknown>;
type Invoke = (path: string, init: Init, mspid: string) => Promise<unknown>;

function unaryRpc(path: string): UnaryRpc {
  const rpc = rpcByPath(`/orchestrator.${path}`);
  if (rpc?.kind !== 'unary') throw new Error(`no unary RPC ${path}`);
  return rpc;
}

/** The RPC with `delayMs` spent inside its transaction, after the service call (its reads and writes). */
function slowed(rpc: UnaryRpc, delayMs: number): UnaryRpc {
  if (delayMs === 0) return rpc;
  return { ...rpc, call: async (p, r) => (await Promise.all([rpc.call(p, r), sleep(delayMs)]))[0] };
}

const request = (rpc: UnaryRpc, init: Init) => create(rpc.method.input as DescMessage, init as never) as never;

const callContext = (channel: string, mspid: string, signal = new AbortController().signal): CallContext => ({
  mspid,
  channel,
  requestId: randomUUID(),
  signal,
});

/** RPCs through the real PostgresBackend (writes queued per channel). */
const viaBackend =
  (backend: PostgresBackend, channel: string, delayMs = 0): Invoke =>
  (path, init, mspid) => {
    const rpc = unaryRpc(path);
    return backend.invoke(slowed(rpc, delayMs), request(rpc, init), callContext(channel, mspid));
  };

/** What PostgresBackend.invoke did before writes were serialised per channel: SERIALIZABLE + retries only. */
const withoutChannelLock =
  (db: DbHandle, channel: string, delayMs = 0): Invoke =>
  (path, init, mspid) => {
    const rpc = slowed(unaryRpc(path), delayMs);
    return runInTransaction(db, { readOnly: rpc.readOnly, retryBudgetMs: BUDGET_MS }, async (q) => {
      const dbal = postgresDBAL(q, channel);
      const events = new EventBuffer();
      const provider = new Provider({ dbal, clock: wallClock(), events, requester: mspid, channel });
      const response = await rpc.call(provider, request(rpc, init));
      for (const event of events.events) event.id = randomUUID();
      await dbal.addEvents(events.events);
      return response;
    });
  };

type Outcome = { ok: true } | { ok: false; error: unknown };
const settle = (p: Promise<unknown>): Promise<Outcome> =>
  p.then(
    () => ({ ok: true }) as const,
    (error: unknown) => ({ ok: false, error }) as const,
  );

interface Race {
  outcomes: Outcome[];
  batches: string[][];
  runnable: string[];
}

/** Registers what the race needs on a fresh plan (no contention), then runs it through `race`. */
async function racePlan(setup: Invoke, race: Invoke, batchSize: number): Promise<Race> {
  await setup('OrganizationService/RegisterOrganization', { address: 'https://org1.example.com' }, OWNER);
  await setup('OrganizationService/RegisterOrganization', { address: 'https://org2.example.com' }, WORKER);
  const functionOf = async (shape: 'model-only' | 'aggregate'): Promise<OrcFunction> => {
    const init = newFunction(shape);
    const functionKey = init.key as string;
    await setup('FunctionService/RegisterFunction', init, OWNER);
    await setup('FunctionService/ApplyFunctionAction', { functionKey, action: FunctionAction.BUILDING }, OWNER);
    await setup('FunctionService/ApplyFunctionAction', { functionKey, action: FunctionAction.READY }, OWNER);
    return { key: functionKey } as OrcFunction;
  };
  const fn = await functionOf('model-only');
  const aggregate = await functionOf('aggregate');
  const plan = { key: randomUUID() } as ComputePlan;
  await setup('ComputePlanService/RegisterPlan', { key: plan.key, name: 'race' }, OWNER);
  const root = seedTask({ plan, fn, worker: WORKER });
  const runnable = Array.from({ length: 6 }, () => seedTask({ plan, fn, worker: WORKER }));
  await setup('ComputeTaskService/RegisterTasks', { tasks: [root, ...runnable] }, OWNER);

  // 10 batches (each: a seed, an aggregate of it and of the shared root, more seeds) and 6 task starts at once.
  const batches = Array.from({ length: 10 }, () => {
    const seed = seedTask({ plan, fn, worker: WORKER });
    const agg = aggregateTask({ plan, fn: aggregate, parents: [seed.key!, root.key!], worker: WORKER });
    return [agg, seed, ...Array.from({ length: batchSize - 2 }, () => seedTask({ plan, fn, worker: WORKER }))];
  });
  const outcomes = await Promise.all([
    ...batches.map((tasks) => settle(race('ComputeTaskService/RegisterTasks', { tasks }, OWNER))),
    ...runnable.map((t) =>
      settle(
        race(
          'ComputeTaskService/ApplyTaskAction',
          { computeTaskKey: t.key, action: ComputeTaskAction.TASK_ACTION_EXECUTING, log: 'go' },
          WORKER,
        ),
      ),
    ),
  ]);
  return { outcomes, batches: batches.map((b) => b.map((t) => t.key!)), runnable: runnable.map((t) => t.key!) };
}

describe('writes on one channel (PostgreSQL)', () => {
  let server: TestPostgres;
  let backend: PostgresBackend;
  let db: DbHandle;
  /** Another process on the same database: its own handle (pool), hence its own in-process queues. */
  let other: DbHandle;

  beforeAll(async () => {
    server = await startTestPostgres();
    backend = await PostgresBackend.open({
      url: server.url,
      txRetryBudgetMs: BUDGET_MS,
      replayEventsBatchSize: 100,
      logger: createLogger('silent'),
    });
    db = await openPostgres(server.url, { migrate: false });
    other = await openPostgres(server.url, { migrate: false });
  }, 120_000);

  afterAll(async () => {
    await backend?.close();
    await db?.close();
    await other?.close();
    await server?.stop();
  });

  const count = async (sql: string, params: unknown[]): Promise<number> => {
    const rows = await db.session((q) => q.query<{ n: string }>(`SELECT count(*)::text AS n FROM ${sql}`, params));
    return Number(rows[0]?.n);
  };

  it('reproduction: without the channel lock, slow concurrent writers on one plan exhaust the 500 ms budget', async () => {
    const ch = freshChannel();
    const { outcomes } = await racePlan(withoutChannelLock(db, ch), withoutChannelLock(db, ch, SLOW_MS), 100);
    const aborted = outcomes.filter((o) => !o.ok);
    expect(aborted.length).toBeGreaterThan(0);
    for (const o of aborted) {
      expect(o.ok ? undefined : o.error).toMatchObject({ kind: 'Aborted', message: /retry budget 500 ms/ });
    }
  }, 60_000);

  it('PostgresBackend: 10 RegisterTasks batches and 6 task actions at once on one plan all succeed; exact state and events', async () => {
    const ch = freshChannel();
    const started = Date.now();
    const { outcomes, batches, runnable } = await racePlan(
      viaBackend(backend, ch),
      viaBackend(backend, ch, SLOW_MS),
      100,
    );
    const failures = outcomes.flatMap((o) => (o.ok ? [] : [o.error]));
    expect(failures).toEqual([]);
    // Serialised: together they took at least 16 × SLOW_MS (i.e. well beyond the budget), yet none was aborted.
    expect(Date.now() - started).toBeGreaterThan(16 * SLOW_MS);

    const tasks = await runInTransaction(db, { readOnly: true }, async (q) => {
      const d = postgresDBAL(q, ch);
      const all: ComputeTask[] = [];
      let token = '';
      do {
        const page = await d.queryComputeTasks({ token, size: 500 }, {});
        all.push(...page.items);
        token = page.nextToken;
      } while (token !== '');
      return new Map(all.map((t) => [t.key, t]));
    });
    expect(tasks.size).toBe(1 + 6 + 10 * 100);
    for (const [agg, ...seeds] of batches) {
      expect(tasks.get(agg!)?.status).toBe(ComputeTaskStatus.STATUS_WAITING_FOR_PARENT_TASKS);
      for (const s of seeds) expect(tasks.get(s)?.status).toBe(ComputeTaskStatus.STATUS_WAITING_FOR_EXECUTOR_SLOT);
    }
    for (const k of runnable) expect(tasks.get(k)?.status).toBe(ComputeTaskStatus.STATUS_EXECUTING);
    // One CREATED event per task, one UPDATED per start, nothing else; positions in one gapless run per commit.
    const events = (kind: EventKind) =>
      count('events WHERE channel = $1 AND asset_kind = $2 AND event_kind = $3', [
        ch,
        AssetKind.ASSET_COMPUTE_TASK,
        kind,
      ]);
    expect(await events(EventKind.EVENT_ASSET_CREATED)).toBe(1 + 6 + 10 * 100);
    expect(await events(EventKind.EVENT_ASSET_UPDATED)).toBe(6);
  }, 60_000);

  it('a write queued behind a long one gives up with Aborted at its lock wait limit or when cancelled', async () => {
    const ch = freshChannel();
    let release: () => void = () => undefined;
    const gate = new Promise<void>((r) => (release = r));
    let entered: () => void = () => undefined;
    const holding = new Promise<void>((r) => (entered = r));
    const long = runInTransaction(db, { readOnly: false, exclusiveKey: ch }, async (q) => {
      await postgresDBAL(q, ch).addEvents([]);
      entered();
      await gate;
      return 'long';
    });
    await holding;
    let ran = 0;
    const write = (extra: { lockWaitMs?: number; signal?: AbortSignal }) =>
      runInTransaction(db, { readOnly: false, exclusiveKey: ch, ...extra }, async () => ++ran);

    let t0 = Date.now();
    const timedOut = await write({ lockWaitMs: 150 }).catch((e: unknown) => e);
    expect(Date.now() - t0).toBeGreaterThanOrEqual(140);
    expect(timedOut).toMatchObject({ kind: 'Aborted', status: GrpcStatus.ABORTED, message: /lock wait limit/ });

    const cancel = new AbortController();
    t0 = Date.now();
    const cancelled = write({ signal: cancel.signal }).catch((e: unknown) => e);
    setTimeout(() => cancel.abort(), 100);
    expect(await cancelled).toMatchObject({ kind: 'Aborted', message: /cancelled/ });
    expect(Date.now() - t0).toBeLessThan(1_000);
    // Already cancelled: not even queued.
    expect(await write({ signal: cancel.signal }).catch((e: unknown) => e)).toMatchObject({ kind: 'Aborted' });
    // The same from another process, polling the advisory lock held by the long write (its own queue is empty).
    t0 = Date.now();
    const remote = await runInTransaction(
      other,
      { readOnly: false, exclusiveKey: ch, lockWaitMs: 150 },
      async () => ++ran,
    ).catch((e: unknown) => e);
    expect(Date.now() - t0).toBeGreaterThanOrEqual(140);
    expect(remote).toMatchObject({ kind: 'Aborted', message: /lock wait limit/ });

    expect(ran).toBe(0);
    // A patient writer (here: from the other process) gets the channel as soon as the long one commits.
    const patient = runInTransaction(other, { readOnly: false, exclusiveKey: ch }, async () => ++ran);
    await sleep(50);
    expect(ran).toBe(0);
    release();
    expect(await long).toBe('long');
    expect(await patient).toBe(1);
  });

  it('reads, and writes of other channels, do not wait for a long write', async () => {
    const ch = freshChannel();
    await runInTransaction(db, { readOnly: false }, (q) => postgresDBAL(q, ch).addComputePlan(planAsset('p')));
    let release: () => void = () => undefined;
    const gate = new Promise<void>((r) => (release = r));
    const long = runInTransaction(db, { readOnly: false, exclusiveKey: ch }, async () => gate);
    // Writers queued on the channel hold no pooled connection: 20 of them on a pool of 10 leave room for readers.
    const queued = Array.from({ length: 20 }, () =>
      runInTransaction(db, { readOnly: false, exclusiveKey: ch }, async (q) => postgresDBAL(q, ch).addEvents([])),
    );
    await sleep(50);
    const t0 = Date.now();
    const reads = await Promise.all(
      Array.from({ length: 30 }, () =>
        runInTransaction(db, { readOnly: true, exclusiveKey: ch }, (q) => postgresDBAL(q, ch).getComputePlan('p')),
      ),
    );
    expect(reads.every((p) => p?.key === 'p')).toBe(true);
    const elsewhere = freshChannel();
    await runInTransaction(db, { readOnly: false, exclusiveKey: elsewhere }, (q) =>
      postgresDBAL(q, elsewhere).addEvents([]),
    );
    expect(Date.now() - t0).toBeLessThan(2_000);
    release();
    await long;
    await Promise.all(queued);
  });

  it('a write whose connection is lost mid-way fails as Unavailable and leaves the channel free', async () => {
    const ch = freshChannel();
    const admin = new pg.Client({ connectionString: server.url });
    await admin.connect();
    try {
      const lost = runInTransaction(db, { readOnly: false, exclusiveKey: ch }, async (q) => {
        const [row] = await q.query<{ pid: number }>('SELECT pg_backend_pid() AS pid');
        await admin.query('SELECT pg_terminate_backend($1)', [row?.pid]);
        await q.query('SELECT 1');
      });
      await expect(lost).rejects.toMatchObject({ kind: 'Unavailable' });
      // Neither this process (queue released) nor another (the transaction-level lock ended with the session) waits.
      const next = await runInTransaction(
        other,
        { readOnly: false, exclusiveKey: ch, lockWaitMs: 2_000 },
        async () => 'next',
      );
      expect(next).toBe('next');
      expect(
        await runInTransaction(db, { readOnly: false, exclusiveKey: ch, lockWaitMs: 2_000 }, async () => 'ok'),
      ).toBe('ok');
      // Channel locks live as long as their transaction: none is left once the writes returned.
      const { rows } = await admin.query("SELECT count(*)::int AS n FROM pg_locks WHERE locktype = 'advisory'");
      expect(rows[0]).toEqual({ n: 0 });
    } finally {
      await admin.end();
    }
  });
});

describe('KeyedMutex', () => {
  it('grants one key at a time in arrival order, and other keys independently', async () => {
    const m = new KeyedMutex();
    const order: string[] = [];
    const hold = async (key: string, name: string, ms: number) => {
      const release = await m.acquire(key);
      order.push(`${name}+`);
      await sleep(ms);
      order.push(`${name}-`);
      release();
      release(); // idempotent
    };
    await Promise.all([hold('a', 'a1', 20), hold('a', 'a2', 5), hold('a', 'a3', 5), hold('b', 'b1', 5)]);
    expect(order.filter((e) => e.startsWith('a'))).toEqual(['a1+', 'a1-', 'a2+', 'a2-', 'a3+', 'a3-']);
    expect(order.indexOf('b1-')).toBeLessThan(order.indexOf('a1-'));
    expect(m.isHeld('a') || m.isHeld('b')).toBe(false);
  });

  it('drops a waiter that times out or is aborted from the queue; the next one still gets the key', async () => {
    const m = new KeyedMutex();
    const release = await m.acquire('k');
    const timedOut = m.acquire('k', { timeoutMs: 20 });
    const abort = new AbortController();
    const aborted = m.acquire('k', { signal: abort.signal });
    const patient = m.acquire('k');
    abort.abort();
    await expect(aborted).rejects.toSatisfy((e) => isOrcError(e) && e.kind === 'Aborted');
    await expect(timedOut).rejects.toSatisfy((e) => isOrcError(e) && e.kind === 'Aborted');
    release();
    (await patient)();
    expect(m.isHeld('k')).toBe(false);
  });
});
