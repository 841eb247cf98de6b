// runInTransaction: serializable retries on a real server, the retry budget, and raw errors → OrcErrors.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GrpcStatus } from '../../../lib/errors/index.js';
import { openPostgres, postgresDBAL, runInTransaction } from '../../../lib/postgres/index.js';
import { ENGINES, freshChannel, startEngine, type Engine } from './engines.js';
import { plan } from './fixtures.js';

/** Resolves once `n` parties have arrived. */
function barrier(n: number): () => Promise<void> {
  let arrived = 0;
  let release: () => void = () => undefined;
  const all = new Promise<void>((resolve) => (release = resolve));
  return () => {
    if (++arrived === n) release();
    return all;
  };
}

const serializationFailure = (): Error => Object.assign(new Error('could not serialize access'), { code: '40001' });

describe.each(ENGINES)('runInTransaction on %s', (engineName) => {
  let engine: Engine;
  beforeAll(async () => {
    engine = await startEngine(engineName);
  });
  afterAll(async () => {
    await engine?.close();
  });

  it.runIf(engineName === 'postgres')('retries the loser of a serializable write skew until both succeed', async () => {
    const ch = freshChannel();
    const bothRead = barrier(2);
    const attempts: number[] = [];
    const writer = (key: string) =>
      runInTransaction(engine.db, { readOnly: false, retryBudgetMs: 5_000 }, async (q, { attempt }) => {
        attempts.push(attempt);
        const d = postgresDBAL(q, ch);
        // Both read the same predicate, then each writes into it: one of them must be rolled back (40001).
        const existing = await d.queryComputePlans({ token: '', size: 10 }, {});
        if (attempt === 1) await bothRead();
        await d.addComputePlan(plan(key, existing.items.length));
        return attempt;
      });
    const results = await Promise.all([writer('a'), writer('b')]);
    expect(results.sort()).toEqual([1, 2]);
    expect(attempts.length).toBe(3);
    const plans = await runInTransaction(engine.db, { readOnly: true }, (q) =>
      postgresDBAL(q, ch).queryComputePlans({ token: '', size: 10 }, {}),
    );
    expect(plans.items.map((p) => p.key).sort()).toEqual(['a', 'b']);
  });

  it('runs the writes sharing an exclusiveKey one at a time, in arrival order; a cancelled one never runs', async () => {
    const ch = freshChannel();
    const log: string[] = [];
    const write = (name: string, signal?: AbortSignal) =>
      runInTransaction(engine.db, { readOnly: false, exclusiveKey: ch, signal }, async (q) => {
        log.push(`${name}+`);
        await postgresDBAL(q, ch).addComputePlan(plan(name));
        await new Promise((r) => setTimeout(r, 20));
        log.push(`${name}-`);
      });
    const cancelled = new AbortController();
    cancelled.abort();
    const outcomes = await Promise.allSettled([write('a'), write('x', cancelled.signal), write('b'), write('c')]);
    expect(outcomes.map((o) => o.status)).toEqual(['fulfilled', 'rejected', 'fulfilled', 'fulfilled']);
    expect(outcomes[1]).toMatchObject({ reason: { kind: 'Aborted', status: GrpcStatus.ABORTED } });
    expect(log).toEqual(['a+', 'a-', 'b+', 'b-', 'c+', 'c-']);
  });

  it('turns an exhausted retry budget into Aborted', async () => {
    let attempts = 0;
    const err = await runInTransaction(engine.db, { readOnly: false, retryBudgetMs: 60 }, async () => {
      attempts++;
      throw serializationFailure();
    }).catch((e: unknown) => e);
    expect(err).toMatchObject({
      kind: 'Aborted',
      status: GrpcStatus.ABORTED,
      message: expect.stringMatching(/^OE0007: /),
    });
    expect(attempts).toBeGreaterThan(1);
  });

  it('retries deadlocks too', async () => {
    let attempts = 0;
    const result = await runInTransaction(engine.db, { readOnly: false }, async (q) => {
      if (++attempts < 3) throw Object.assign(new Error('deadlock detected'), { code: '40P01' });
      return (await q.query<{ one: number }>('SELECT 1 AS one'))[0]?.one;
    });
    expect([result, attempts]).toEqual([1, 3]);
  });

  it.runIf(engineName === 'postgres')('reports an unreachable database as Unavailable', async () => {
    const dead = await openPostgres('postgres://postgres@127.0.0.1:1/nothing', { migrate: false });
    try {
      await expect(runInTransaction(dead, { readOnly: true }, async () => 1)).rejects.toMatchObject({
        kind: 'Unavailable',
        status: GrpcStatus.UNAVAILABLE,
      });
    } finally {
      await dead.close();
    }
  });

  it('runs reads as READ COMMITTED statements outside any transaction, and writes at SERIALIZABLE', async () => {
    const level = (readOnly: boolean) =>
      runInTransaction(engine.db, { readOnly }, async (q) => {
        const [row] = await q.query<{ i: string }>("SELECT current_setting('transaction_isolation') AS i");
        const [first] = await q.query<{ t: string }>('SELECT now()::text AS t');
        await q.query('SELECT pg_sleep(0.002)');
        const [again] = await q.query<{ t: string }>('SELECT now()::text AS t');
        // In a transaction now() is its start time, the same for every statement; outside, each statement has its own.
        return `${row?.i}/${again?.t === first?.t ? 'one transaction' : 'separate statements'}`;
      });
    expect(await level(true)).toBe('read committed/separate statements');
    expect(await level(false)).toBe('serializable/one transaction');
  });

  it('refuses anything but SELECT in a read-only call, before it runs', async () => {
    const ch = freshChannel();
    await expect(
      runInTransaction(engine.db, { readOnly: true }, (q) =>
        q.query("INSERT INTO compute_task_parents (channel, parent_key, child_key) VALUES ($1, 'p', 'c')", [ch]),
      ),
    ).rejects.toMatchObject({ kind: 'Internal', message: expect.stringMatching(/read-only call tried to run/) });
    await expect(runInTransaction(engine.db, { readOnly: true }, (q) => q.exec('SELECT 1'))).rejects.toMatchObject({
      kind: 'Internal',
    });
  });
  it('maps constraint and input errors to OrcErrors', async () => {
    const ch = freshChannel();
    const run = (sql: string) => runInTransaction(engine.db, { readOnly: false }, (q) => q.query(sql, [ch]));
    await expect(
      run("INSERT INTO compute_task_parents (channel, parent_key, child_key) VALUES ($1, 'p', 'missing')"),
    ).rejects.toMatchObject({ kind: 'NotFound', message: expect.stringMatching(/^OE0002: compute task parent/) });
    await expect(run("SELECT $1::text, 'x'::int")).rejects.toMatchObject({ kind: 'InvalidAsset' });
    await expect(run('SELECT $1::text FROM no_such_table')).rejects.toMatchObject({ kind: 'Internal' });
  });

  it('rolls back when fn throws, and passes non-database errors through unchanged', async () => {
    const ch = freshChannel();
    const boom = new Error('boom');
    await expect(
      runInTransaction(engine.db, { readOnly: false }, async (q) => {
        await postgresDBAL(q, ch).addComputePlan(plan('p'));
        throw boom;
      }),
    ).rejects.toBe(boom);
    const got = await runInTransaction(engine.db, { readOnly: true }, (q) => postgresDBAL(q, ch).getComputePlan('p'));
    expect(got).toBeUndefined();
  });

  it('never commits a transaction whose fn swallowed a database error', async () => {
    const ch = freshChannel();
    await runInTransaction(engine.db, { readOnly: false }, (q) => postgresDBAL(q, ch).addComputePlan(plan('p')));
    const outcome = runInTransaction(engine.db, { readOnly: false }, async (q) => {
      const d = postgresDBAL(q, ch);
      await d.addComputePlan(plan('other'));
      await d.addComputePlan(plan('p')).catch(() => undefined);
      return 'looked fine';
    });
    await expect(outcome).rejects.toMatchObject({ kind: 'Conflict' });
    const other = await runInTransaction(engine.db, { readOnly: true }, (q) =>
      postgresDBAL(q, ch).getComputePlan('other'),
    );
    expect(other).toBeUndefined();
  });

  it('refuses writes in read-only transactions', async () => {
    const ch = freshChannel();
    await expect(
      runInTransaction(engine.db, { readOnly: true }, (q) => postgresDBAL(q, ch).addComputePlan(plan('p'))),
    ).rejects.toMatchObject({ kind: 'Internal' });
  });
});
