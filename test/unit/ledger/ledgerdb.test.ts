// LedgerDB-specific properties: determinism of the write set, the read-your-writes overlay, Fabric call usage,
// keyset page tokens, and batch cost. The DBAL contract itself runs in contract.test.ts.
import { performance as clock } from 'node:perf_hooks';
import { create } from '@bufbuild/protobuf';
import { describe, expect, it } from 'vitest';
import {
  AssetKind,
  ComputeTaskStatus,
  EventKind,
  FunctionSchema,
  SortOrder,
  type ComputeTask,
} from '../../../lib/asset/index.js';
import type { KV, KVEntry } from '../../../lib/ledger/kv.js';
import { ledgerDB } from '../../../lib/ledger/ledgerdb.js';
import { MemoryKV } from '../../../lib/ledger/memorykv.js';
import { StubKV } from '../../../lib/ledger/stubkv.js';
import type { DBAL } from '../../../lib/persistence/index.js';
import {
  at,
  dataManager,
  dataSample,
  event,
  fixedUuid as k,
  fn,
  model,
  organization,
  outputAsset,
  performance,
  plan,
  readAllPages,
  task,
} from './dbal-fixtures.js';
import { FakeStub } from './fakestub.js';

const S = ComputeTaskStatus;
const hex = (b: Uint8Array | undefined) => (b ? Buffer.from(b).toString('hex') : '-');

/** Records every write a KV receives, in order. */
class RecordingKV implements KV {
  readonly log: string[] = [];
  constructor(private readonly inner: KV) {}
  getState(key: string) {
    return this.inner.getState(key);
  }
  putState(key: string, value: Uint8Array) {
    this.log.push(`put ${JSON.stringify(key)} ${hex(value)}`);
    return this.inner.putState(key, value);
  }
  deleteState(key: string) {
    this.log.push(`del ${JSON.stringify(key)}`);
    return this.inner.deleteState(key);
  }
  getStateByRange(startKey: string, endKey: string): AsyncIterable<KVEntry> {
    return this.inner.getStateByRange(startKey, endKey);
  }
  getStateByPartialCompositeKey(objectType: string, attributes: string[], startKey?: string): AsyncIterable<KVEntry> {
    return this.inner.getStateByPartialCompositeKey(objectType, attributes, startKey);
  }
}

/** Rebuilds every map-typed object of a value with its keys inserted in reverse order. */
function reverseMaps<T>(value: T): T {
  if (Array.isArray(value)) return value.map(reverseMaps) as T;
  if (value === null || typeof value !== 'object' || value instanceof Uint8Array) return value;
  const out: Record<string, unknown> = {};
  for (const k of Object.keys(value).reverse()) out[k] = reverseMaps((value as Record<string, unknown>)[k]);
  return out as T;
}

/** A fixed scenario touching every kind of write (fixed keys: two runs must write the same bytes). */
async function scenario(db: DBAL, variant: <T>(v: T) => T): Promise<void> {
  await db.addOrganization(variant(organization('orga', 1)));
  await db.addOrganization(variant(organization('orgb', 1)));
  const f = variant(fn('orga', 2, k(1)));
  await db.addFunction(f);
  await db.updateFunction(create(FunctionSchema, { ...f, name: 'renamed' }));
  const dm = variant(dataManager('orga', 3, k(2)));
  await db.addDataManager(dm);
  await db.addDataSamples([variant(dataSample('orga', 4, [dm.key], k(3))), variant(dataSample('orga', 4, [], k(4)))]);
  await db.updateDataSamples([variant(dataSample('orga', 4, [dm.key], k(4)))]);
  const p = variant(plan('orga', 5, k(5)));
  await db.addComputePlan(p);
  const fixed = (t: ComputeTask, n: number): ComputeTask => {
    for (const input of t.inputs) if (input.ref.case === 'assetKey') input.ref.value = k(100 + n);
    return t;
  };
  const t1 = fixed(task({ plan: p, function: f, worker: 'orgb', createdAt: 6, key: k(6) }), 1);
  const t2 = fixed(task({ plan: p, function: f, worker: 'orgb', createdAt: 6, key: k(7), parents: [t1.key] }), 2);
  await db.addComputeTasks([variant(t1), variant(t2)]);
  await db.updateComputeTaskStatus(t1.key, S.STATUS_EXECUTING);
  const m = variant(model(t1, 7, k(8)));
  await db.addModel(m);
  await db.addComputeTaskOutputAsset(variant(outputAsset(t1, 'model', m.key)));
  await db.addPerformance(variant(performance(t1, 'perf', 8)));
  await db.addEvents([
    variant(event({ id: k(9), assetKey: t1.key, at: 9, metadata: { reason: 'x', a: 'b', '2': 'c', '10': 'd' } })),
    variant(event({ id: k(10), assetKey: t2.key, at: 9, asset: { case: 'computeTask', value: t2 } })),
  ]);
}

describe('LedgerDB determinism', () => {
  it('two runs write byte-identical write sets, whatever order maps were built in', async () => {
    const runs = [];
    for (const variant of [<T>(v: T) => v, reverseMaps]) {
      const kv = new MemoryKV();
      const rec = new RecordingKV(kv);
      await scenario(ledgerDB(rec, 'ch'), variant);
      runs.push({ log: rec.log, entries: kv.entries().map((e) => `${JSON.stringify(e.key)} ${hex(e.value)}`) });
    }
    const [a, b] = runs as [(typeof runs)[0], (typeof runs)[0]];
    expect(a.log.length).toBeGreaterThan(30);
    expect(b.log).toEqual(a.log);
    expect(b.entries).toEqual(a.entries);
  });

  it('the reversed variant really builds maps in another order (the test above is meaningful)', () => {
    const f = fn('orga', 2);
    expect(Object.keys(reverseMaps(f).metadata)).not.toEqual(Object.keys(f.metadata));
  });

  it('through the overlay (Fabric view) the committed state is the same as with direct writes', async () => {
    const direct = new MemoryKV();
    await scenario(ledgerDB(direct, 'ch'), (v) => v);
    const base = new MemoryKV();
    const tx = base.transaction();
    await scenario(ledgerDB(tx, 'ch'), (v) => v);
    tx.commit();
    expect(base.entries()).toEqual(direct.entries());
  });
});

describe('LedgerDB overlay (reads see the transaction own writes)', () => {
  async function committedWorld() {
    const kv = new MemoryKV();
    const db = ledgerDB(kv, 'ch');
    await db.addOrganization(organization('orga', 0));
    const f = fn('orga', 0);
    const p = plan('orga', 0);
    await db.addFunction(f);
    await db.addComputePlan(p);
    const t1 = task({ plan: p, function: f, worker: 'orga', createdAt: 1 });
    await db.addComputeTasks([t1]);
    return { kv, f, p, t1 };
  }

  it('merges pending adds, status moves and their index rewrites with the committed state, in order', async () => {
    const { kv, f, p, t1 } = await committedWorld();
    const tx = kv.transaction();
    const db = ledgerDB(tx, 'ch');
    const t0 = task({ plan: p, function: f, worker: 'orga', createdAt: 0 });
    const t2 = task({ plan: p, function: f, worker: 'orga', createdAt: 2, parents: [t1.key] });
    await db.addComputeTasks([t0, t2]);
    await db.updateComputeTaskStatus(t1.key, S.STATUS_DONE);
    const keysOf = async (status?: ComputeTaskStatus) =>
      (await db.queryComputeTasks({ token: '', size: 10 }, status ? { status } : {})).items.map((t) => t.key);
    expect(await keysOf()).toEqual([t0.key, t1.key, t2.key]);
    expect(await keysOf(S.STATUS_DONE)).toEqual([t1.key]);
    expect(await keysOf(S.STATUS_WAITING_FOR_EXECUTOR_SLOT)).toEqual([t0.key, t2.key]);
    expect((await db.getComputeTaskChildren(t1.key)).map((t) => t.key)).toEqual([t2.key]);
    // Nothing reached the committed state yet.
    const committed = ledgerDB(kv, 'ch');
    expect(await committed.getComputeTask(t0.key)).toBeUndefined();
    expect((await committed.getComputeTask(t1.key))?.status).toBe(S.STATUS_WAITING_FOR_EXECUTOR_SLOT);
    tx.commit();
    expect(
      (await committed.queryComputeTasks({ token: '', size: 10 }, { status: S.STATUS_DONE })).items.map((t) => t.key),
    ).toEqual([t1.key]);
  });

  it('a rolled back transaction leaves no trace', async () => {
    const { kv, f, p } = await committedWorld();
    const before = kv.entries();
    const tx = kv.transaction();
    const db = ledgerDB(tx, 'ch');
    await db.addComputeTasks([task({ plan: p, function: f, worker: 'orga', createdAt: 5 })]);
    tx.rollback();
    expect(kv.entries()).toEqual(before);
  });

  it('caches point reads for the transaction (one peer round trip per key)', async () => {
    const { kv, t1 } = await committedWorld();
    const stub = new FakeStub(kv);
    const db = ledgerDB(new StubKV(stub), 'ch');
    await db.getComputeTask(t1.key);
    await db.getComputeTask(t1.key);
    await db.getComputeTasks([t1.key, t1.key]);
    expect(stub.calls.filter((c) => c === 'getState')).toHaveLength(1);
  });
});

describe('LedgerDB on Fabric (StubKV)', () => {
  it('write paths and first pages use no paginated call (refused by the peer in writing transactions)', async () => {
    const stub = new FakeStub(new MemoryKV());
    const db = ledgerDB(new StubKV(stub), 'ch');
    await scenario(db, (v) => v);
    await db.getComputeTaskChildren(k(6));
    await db.getComputePlanTaskStatuses(k(5));
    await db.getFunctionTasksWithStatus(k(1), [S.STATUS_EXECUTING]);
    await db.countComputeTaskOutputAssets(k(6));
    await db.getComputeTaskOutputAssets(k(6), 'model');
    await db.getComputeTaskOutputModels(k(6));
    await db.getDataSampleKeysByManager(k(2));
    await db.getAllOrganizations();
    const first = await db.queryComputeTasks({ token: '', size: 1 }, {});
    await db.queryEvents({ token: '', size: 10 }, {}, SortOrder.ASCENDING);
    expect(stub.calls.filter((c) => c.endsWith('WithPagination'))).toEqual([]);
    // A next page is a read-only query: it seeks.
    await db.queryComputeTasks({ token: first.nextToken, size: 1 }, {});
    expect(stub.calls.filter((c) => c.endsWith('WithPagination')).length).toBeGreaterThan(0);
  });

  it('writes the plan→function link once per transaction', async () => {
    const kv = new MemoryKV();
    const stub = new FakeStub(kv);
    const db = ledgerDB(new StubKV(stub), 'ch');
    const f = fn('orga', 0);
    const p = plan('orga', 0);
    const tasks = [1, 2, 3].map((d) => task({ plan: p, function: f, worker: 'orga', createdAt: d }));
    await db.addComputeTasks(tasks);
    const links = [...stub.writes.keys()].filter((key) => key.startsWith('\u0000fn~plan\u0000'));
    expect(links).toHaveLength(1);
  });
});

describe('LedgerDB events', () => {
  it('stores events without their channel and returns them with the reader channel', async () => {
    const kv = new MemoryKV();
    await ledgerDB(kv, 'one').addEvents([{ ...event({ assetKey: 'a', at: 1 }), channel: 'whatever' }]);
    for (const channel of ['one', 'two']) {
      const page = await ledgerDB(kv, channel).queryEvents({ token: '', size: 5 }, {}, SortOrder.ASCENDING);
      expect(page.items.map((e) => e.channel)).toEqual([channel]);
    }
  });

  it('a time-bounded descending query seeks to the end bound and stops at the start bound', async () => {
    const kv = new MemoryKV();
    const db = ledgerDB(kv, 'ch');
    await db.addEvents(
      Array.from({ length: 50 }, (_, i) =>
        event({ assetKey: `a${i}`, at: i, assetKind: AssetKind.ASSET_MODEL, eventKind: EventKind.EVENT_ASSET_CREATED }),
      ),
    );
    const got = await readAllPages(
      (p) => db.queryEvents(p, { start: at(10), end: at(12) }, SortOrder.DESCENDING),
      2,
      (e) => e.id,
    );
    expect(got.map((e) => e.assetKey)).toEqual(['a12', 'a11', 'a10']);
  });

  it('writes one group per instant: a document, a descending entry, and an asset entry per event', async () => {
    const stub = new FakeStub(new MemoryKV());
    const batch = Array.from({ length: 100 }, (_, i) =>
      event({ id: `tx:${String(i).padStart(6, '0')}`, assetKey: `a${i}`, at: 7 }),
    );
    await ledgerDB(new StubKV(stub), 'ch').addEvents(batch);
    const types = [...stub.writes.keys()].map((key) => key.split('\u0000')[1]);
    expect(types.filter((t) => t === 'ev')).toHaveLength(1);
    expect(types.filter((t) => t === 'ev~desc')).toHaveLength(1);
    expect(types.filter((t) => t === 'ev~asset')).toHaveLength(100);
  });

  it('merges the groups of one instant by id, and pages through them in both directions', async () => {
    const db = ledgerDB(new MemoryKV(), 'ch');
    // Two calls at the same instant whose ids interleave, then one later event.
    await db.addEvents(['b', 'd', 'f'].map((id) => event({ id, assetKey: `x${id}`, at: 3 })));
    await db.addEvents(['e', 'a', 'c'].map((id) => event({ id, assetKey: `x${id}`, at: 3 })));
    await db.addEvents([event({ id: '0', assetKey: 'late', at: 4 })]);
    for (const size of [1, 2, 100]) {
      const asc = await readAllPages(
        (p) => db.queryEvents(p, {}, SortOrder.ASCENDING),
        size,
        (e) => e.id,
      );
      expect(asc.map((e) => e.id)).toEqual(['a', 'b', 'c', 'd', 'e', 'f', '0']);
      const desc = await readAllPages(
        (p) => db.queryEvents(p, {}, SortOrder.DESCENDING),
        size,
        (e) => e.id,
      );
      expect(desc.map((e) => e.id)).toEqual(['0', 'f', 'e', 'd', 'c', 'b', 'a']);
    }
    const one = await db.queryEvents({ token: '', size: 5 }, { assetKey: 'xc' }, SortOrder.ASCENDING);
    expect(one.items.map((e) => [e.id, e.channel])).toEqual([['c', 'ch']]);
  });
});

describe('LedgerDB page tokens', () => {
  it('resume strictly after the last item returned, even when items were added meanwhile', async () => {
    const db = ledgerDB(new MemoryKV(), 'ch');
    const plans = [1, 2, 3, 4].map((d) => plan('orga', d));
    for (const p of plans.slice(0, 3)) await db.addComputePlan(p);
    const first = await db.queryComputePlans({ token: '', size: 2 }, {});
    expect(first.items.map((p) => p.key)).toEqual(plans.slice(0, 2).map((p) => p.key));
    await db.addComputePlan(plans[3] as (typeof plans)[0]);
    await db.addComputePlan(plan('orga', 0)); // sorts before the token: not returned again
    const second = await db.queryComputePlans({ token: first.nextToken, size: 2 }, {});
    expect(second.items.map((p) => p.key)).toEqual(plans.slice(2, 4).map((p) => p.key));
    expect(second.nextToken).toBe('');
  });

  it('refuses a token of another list and a well-formed token with a bad tuple', async () => {
    const db = ledgerDB(new MemoryKV(), 'ch');
    await db.addEvents([event({ assetKey: 'a', at: 1 }), event({ assetKey: 'b', at: 2 })]);
    const { nextToken } = await db.queryEvents({ token: '', size: 1 }, {}, SortOrder.ASCENDING);
    expect(nextToken).not.toBe('');
    await expect(db.queryComputePlans({ token: nextToken, size: 1 }, {})).rejects.toMatchObject({
      kind: 'InvalidAsset',
    });
    const forged = Buffer.from(JSON.stringify(['date-key', '12', 'x'])).toString('base64url');
    await expect(db.queryComputePlans({ token: forged, size: 1 }, {})).rejects.toMatchObject({ kind: 'InvalidAsset' });
  });
});

describe('LedgerDB batch cost', () => {
  it('registers 1,000 tasks in one call and pages through them quickly', async () => {
    for (const makeKv of [() => new MemoryKV(), () => new MemoryKV().transaction()]) {
      const db = ledgerDB(makeKv(), 'ch');
      const f = fn('orga', 0);
      const p = plan('orga', 0);
      const tasks: ComputeTask[] = [];
      for (let i = 0; i < 1000; i++) {
        const parents = i > 0 ? [(tasks[i - 1] as ComputeTask).key] : [];
        tasks.push(task({ plan: p, function: f, worker: 'orgb', createdAt: i, parents }));
      }
      const start = clock.now();
      await db.addComputeTasks(tasks);
      const added = clock.now() - start;
      const all = await readAllPages(
        (pg) => db.queryComputeTasks(pg, { computePlanKey: p.key }),
        100,
        (t) => t.key,
      );
      const total = clock.now() - start;
      expect(all).toHaveLength(1000);
      // Generous bounds for a loaded 2-core box; they catch quadratic behaviour, not small regressions.
      expect(added).toBeLessThan(15_000);
      expect(total).toBeLessThan(30_000);
    }
  }, 90_000);
});
