// postgresDBAL against both engines: every method, its ordering, filters, pagination and error mapping.
import { create } from '@bufbuild/protobuf';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  AddressableSchema,
  AssetKind,
  ComputeTaskOutputAssetSchema,
  ComputeTaskStatus,
  EventKind,
  FailureReportSchema,
  ErrorType,
  FunctionStatus,
  ModelSchema,
  PerformanceSchema,
  SortOrder,
} from '../../../lib/asset/index.js';
import type { DBAL, Page, PageRequest } from '../../../lib/persistence/index.js';
import { postgresDBAL, runInTransaction } from '../../../lib/postgres/index.js';
import { ENGINES, freshChannel, startEngine, type Engine } from './engines.js';
import { at, dm, event, fn, org, plan, sample, task } from './fixtures.js';

/** Every page of a paginated query, following tokens. */
async function allPages<T>(query: (page: PageRequest) => Promise<Page<T>>, size: number): Promise<T[][]> {
  const pages: T[][] = [];
  let token = '';
  do {
    const page = await query({ token, size });
    pages.push(page.items);
    token = page.nextToken;
  } while (token !== '' && pages.length < 100);
  return pages;
}

describe.each(ENGINES)('postgresDBAL on %s', (engineName) => {
  let engine: Engine;
  beforeAll(async () => {
    engine = await startEngine(engineName);
  });
  afterAll(async () => {
    await engine?.close();
  });

  const tx = <T>(channel: string, f: (d: DBAL) => Promise<T>, readOnly = false): Promise<T> =>
    runInTransaction(engine.db, { readOnly }, (q) => f(postgresDBAL(q, channel)));

  /** A channel holding the plan and function the `task()` fixture points at by default, plus these tasks. */
  const world = async (keys: string[] = []): Promise<string> => {
    const ch = freshChannel();
    await tx(ch, async (d) => {
      await d.addComputePlan(plan('plan'));
      await d.addFunction(fn('fn'));
      await d.addComputeTasks(keys.map((k) => task(k)));
    });
    return ch;
  };

  it('stores organizations per channel, in creation order', async () => {
    const [a, b] = [freshChannel(), freshChannel()];
    await tx(a, async (d) => {
      await d.addOrganization(org('Org2MSP', 2));
      await d.addOrganization(org('Org1MSP', 2));
      await d.addOrganization(org('Org3MSP', 1));
    });
    await tx(b, (d) => d.addOrganization(org('Org1MSP', 5)));
    const all = await tx(a, (d) => d.getAllOrganizations(), true);
    expect(all.map((o) => o.id)).toEqual(['Org3MSP', 'Org1MSP', 'Org2MSP']);
    expect(await tx(a, (d) => d.getOrganization('Org1MSP'))).toEqual(org('Org1MSP', 2));
    expect(await tx(b, (d) => d.getOrganization('Org1MSP'))).toEqual(org('Org1MSP', 5));
    expect(await tx(b, (d) => d.getOrganization('Org2MSP'))).toBeUndefined();
    await expect(tx(a, (d) => d.addOrganization(org('Org1MSP')))).rejects.toMatchObject({
      kind: 'Conflict',
      message: expect.stringMatching(/^OE0006: organization already exists/),
    });
  });

  it('round-trips functions and persists only name, status and image on update', async () => {
    const ch = freshChannel();
    const f = fn('f1', 0);
    await tx(ch, (d) => d.addFunction(f));
    expect(await tx(ch, (d) => d.getFunction('f1'))).toEqual(f);
    const changed = fn('f1', 0, {
      name: 'renamed',
      status: FunctionStatus.READY,
      image: create(AddressableSchema, { checksum: 'i', storageAddress: 'http://img' }),
      owner: 'Intruder',
    });
    await tx(ch, (d) => d.updateFunction(changed));
    const got = await tx(ch, (d) => d.getFunction('f1'));
    expect(got?.name).toBe('renamed');
    expect(got?.status).toBe(FunctionStatus.READY);
    expect(got?.image?.storageAddress).toBe('http://img');
    expect(got?.owner).toBe('Org1MSP');
    expect(await tx(ch, (d) => d.getFunction('nope'))).toBeUndefined();
  });

  it('pages functions by creation date then key, and filters by plan', async () => {
    const ch = freshChannel();
    await tx(ch, async (d) => {
      for (const [k, s] of [
        ['e', 3],
        ['b', 1],
        ['a', 1],
        ['d', 2],
        ['c', 1],
      ] as const)
        await d.addFunction(fn(k, s));
      await d.addComputePlan(plan('p1'));
      await d.addComputeTasks([task('t1', { plan: 'p1', fn: 'd' }), task('t2', { plan: 'p1', fn: 'a' })]);
    });
    const pages = await tx(ch, (d) => allPages((p) => d.queryFunctions(p, {}), 2));
    expect(pages.map((p) => p.map((f) => f.key))).toEqual([['a', 'b'], ['c', 'd'], ['e']]);
    const exact = await tx(ch, (d) => allPages((p) => d.queryFunctions(p, {}), 5));
    expect(exact).toHaveLength(1);
    const inPlan = await tx(ch, (d) => d.queryFunctions({ token: '', size: 10 }, { computePlanKey: 'p1' }));
    expect(inPlan.items.map((f) => f.key)).toEqual(['a', 'd']);
    expect(inPlan.nextToken).toBe('');
  });

  it('rejects garbled page tokens with InvalidAsset', async () => {
    const ch = freshChannel();
    for (const token of [
      'garbage!',
      'abc',
      Buffer.from('["1"]').toString('base64url'),
      Buffer.from('[1,"a"]').toString('base64url'),
      Buffer.from('["x","a"]').toString('base64url'),
    ]) {
      await expect(tx(ch, (d) => d.queryComputePlans({ token, size: 2 }, {}))).rejects.toMatchObject({
        kind: 'InvalidAsset',
        message: expect.stringContaining('invalid page token'),
      });
    }
  });

  it('keeps pages stable while rows are inserted before the cursor', async () => {
    const ch = freshChannel();
    await tx(ch, async (d) => {
      for (let i = 0; i < 4; i++) await d.addComputePlan(plan(`p${i}`, 10 + i));
    });
    const first = await tx(ch, (d) => d.queryComputePlans({ token: '', size: 2 }, {}));
    await tx(ch, (d) => d.addComputePlan(plan('early', 0)));
    const second = await tx(ch, (d) => d.queryComputePlans({ token: first.nextToken, size: 2 }, {}));
    expect([...first.items, ...second.items].map((p) => p.key)).toEqual(['p0', 'p1', 'p2', 'p3']);
    expect(second.nextToken).toBe('');
  });

  it('handles data managers and data samples with their links', async () => {
    const ch = freshChannel();
    await tx(ch, async (d) => {
      await d.addDataManager(dm('dm1', 0));
      await d.addDataManager(dm('dm2', 1));
      await d.addDataSamples([sample('s2', ['dm1'], 1), sample('s1', ['dm1', 'dm2'], 1), sample('s0', ['dm2'], 0)]);
    });
    expect((await tx(ch, (d) => d.getDataManagers(['dm2', 'dm1', 'x']))).map((m) => m.key).sort()).toEqual([
      'dm1',
      'dm2',
    ]);
    expect(await tx(ch, (d) => d.getDataManagers([]))).toEqual([]);
    await tx(ch, (d) => d.updateDataManager({ ...dm('dm1', 0), name: 'new name', owner: 'other' }));
    const m = await tx(ch, (d) => d.getDataManager('dm1'));
    expect(m?.name).toBe('new name');
    expect(m?.owner).toBe('Org1MSP');
    expect((await tx(ch, (d) => d.queryDataManagers({ token: '', size: 1 }))).items.map((x) => x.key)).toEqual(['dm1']);

    expect(await tx(ch, (d) => d.getDataSampleKeysByManager('dm1'))).toEqual(['s1', 's2']);
    expect(await tx(ch, (d) => d.getDataSampleKeysByManager('dm2'))).toEqual(['s0', 's1']);
    const s1 = await tx(ch, (d) => d.getDataSamples(['s1']));
    expect(s1).toEqual([sample('s1', ['dm1', 'dm2'], 1)]);
    await tx(ch, (d) => d.updateDataSamples([sample('s0', ['dm2', 'dm1'], 0)]));
    expect(await tx(ch, (d) => d.getDataSampleKeysByManager('dm1'))).toEqual(['s0', 's1', 's2']);
    expect((await tx(ch, (d) => d.getDataSamples(['s0'])))[0]?.dataManagerKeys).toEqual(['dm2', 'dm1']);

    const pages = await tx(ch, (d) => allPages((p) => d.queryDataSamples(p, {}), 2));
    expect(pages.map((p) => p.map((s) => s.key))).toEqual([['s0', 's1'], ['s2']]);
    const filtered = await tx(ch, (d) => d.queryDataSamples({ token: '', size: 10 }, { keys: ['s2', 's0', 'zz'] }));
    expect(filtered.items.map((s) => s.key)).toEqual(['s0', 's2']);
    expect(await tx(ch, (d) => d.getDataSampleKeysByManager('unknown'))).toEqual([]);
  });

  it('handles compute plans', async () => {
    const ch = freshChannel();
    await tx(ch, async (d) => {
      await d.addComputePlan(plan('p1', 0, 'Org1MSP'));
      await d.addComputePlan(plan('p2', 1, 'Org2MSP'));
      await d.addComputePlan(plan('p3', 2, 'Org1MSP'));
    });
    expect(await tx(ch, (d) => d.getComputePlan('p1'))).toEqual(plan('p1', 0, 'Org1MSP'));
    const p = { ...plan('p1', 0), name: 'renamed', cancelationDate: at(9, 123_456), tag: 'not persisted' };
    await tx(ch, (d) => d.updateComputePlan(p));
    const got = await tx(ch, (d) => d.getComputePlan('p1'));
    expect(got?.name).toBe('renamed');
    expect(got?.cancelationDate).toEqual(at(9, 123_456));
    expect(got?.failureDate).toBeUndefined();
    expect(got?.tag).toBe('');
    const owned = await tx(ch, (d) => d.queryComputePlans({ token: '', size: 10 }, { owner: 'Org1MSP' }));
    expect(owned.items.map((x) => x.key)).toEqual(['p1', 'p3']);
    expect(await tx(ch, (d) => d.getComputePlanTaskStatuses('p1'))).toEqual(new Set());
  });

  it('stores a task DAG and answers every task query', async () => {
    const ch = freshChannel();
    const W = ComputeTaskStatus.STATUS_WAITING_FOR_PARENT_TASKS;
    const E = ComputeTaskStatus.STATUS_WAITING_FOR_EXECUTOR_SLOT;
    await tx(ch, async (d) => {
      await d.addComputePlan(plan('p1'));
      await d.addComputePlan(plan('p2'));
      await d.addFunction(fn('f1'));
      await d.addFunction(fn('f2'));
      await d.addComputeTasks([
        task('root', { plan: 'p1', fn: 'f1', status: E, s: 1 }),
        task('c2', { plan: 'p1', fn: 'f2', parents: ['root'], s: 2, worker: 'Org2MSP' }),
        task('c1', { plan: 'p1', fn: 'f1', parents: ['root', 'root'], s: 2 }),
        task('leaf', { plan: 'p1', fn: 'f2', parents: ['c1', 'c2'], s: 3, us: 7 }),
        task('other', { plan: 'p2', fn: 'f1', status: E, s: 0 }),
      ]);
    });
    expect(await tx(ch, (d) => d.getComputeTask('leaf'))).toEqual(
      task('leaf', { plan: 'p1', fn: 'f2', parents: ['c1', 'c2'], s: 3, us: 7 }),
    );
    expect(await tx(ch, (d) => d.getComputeTask('nope'))).toBeUndefined();
    expect((await tx(ch, (d) => d.getComputeTasks(['c1', 'c2', 'zz']))).map((t) => t.key).sort()).toEqual(['c1', 'c2']);
    expect((await tx(ch, (d) => d.getComputeTaskChildren('root'))).map((t) => t.key)).toEqual(['c1', 'c2']);
    expect((await tx(ch, (d) => d.getComputeTaskChildren('c2'))).map((t) => t.key)).toEqual(['leaf']);
    expect(await tx(ch, (d) => d.getComputeTaskChildren('leaf'))).toEqual([]);

    await tx(ch, (d) => d.updateComputeTaskStatus('c1', ComputeTaskStatus.STATUS_DONE));
    expect((await tx(ch, (d) => d.getComputeTask('c1')))?.status).toBe(ComputeTaskStatus.STATUS_DONE);
    expect((await tx(ch, (d) => d.getComputeTaskChildren('root'))).map((t) => t.status)).toEqual([
      ComputeTaskStatus.STATUS_DONE,
      W,
    ]);
    expect(await tx(ch, (d) => d.getComputePlanTaskStatuses('p1'))).toEqual(
      new Set([E, W, ComputeTaskStatus.STATUS_DONE]),
    );
    const runnable = await tx(ch, (d) => d.getFunctionTasksWithStatus('f1', [E, ComputeTaskStatus.STATUS_DONE]));
    expect(runnable.map((t) => t.key)).toEqual(['other', 'root', 'c1']);
    expect(await tx(ch, (d) => d.getFunctionTasksWithStatus('f1', []))).toEqual([]);

    const q = (filter: Parameters<DBAL['queryComputeTasks']>[1], size = 10) =>
      tx(ch, (d) => allPages((p) => d.queryComputeTasks(p, filter), size)).then((ps) =>
        ps.map((p) => p.map((t) => t.key)),
      );
    expect(await q({}, 2)).toEqual([['other', 'root'], ['c1', 'c2'], ['leaf']]);
    expect(await q({ computePlanKey: 'p1', status: W })).toEqual([['c2', 'leaf']]);
    expect(await q({ worker: 'Org2MSP' })).toEqual([['c2']]);
    expect(await q({ functionKey: 'f1', computePlanKey: 'p1' })).toEqual([['root', 'c1']]);
    expect(await q({ status: ComputeTaskStatus.STATUS_FAILED })).toEqual([[]]);
  });

  it('rejects a batch holding an existing key as a whole', async () => {
    const ch = await world(['t1']);
    await expect(tx(ch, (d) => d.addComputeTasks([task('t2'), task('t1')]))).rejects.toMatchObject({
      kind: 'Conflict',
      message: expect.stringContaining('compute task already exists'),
    });
    expect(await tx(ch, (d) => d.getComputeTask('t2'))).toBeUndefined();
    // Same key in another channel is fine.
    await world(['t1']);
    // A task needs a stored plan and function (NotFound otherwise), and its parents.
    await expect(tx(ch, (d) => d.addComputeTasks([task('t3', { plan: 'nope' })]))).rejects.toMatchObject({
      kind: 'NotFound',
    });
    await expect(tx(ch, (d) => d.addComputeTasks([task('t4', { parents: ['ghost'] })]))).rejects.toMatchObject({
      kind: 'NotFound',
    });
  });

  it('numbers output assets per output and counts them', async () => {
    const ch = await world(['t1']);
    const oa = (identifier: string, assetKey: string) =>
      create(ComputeTaskOutputAssetSchema, {
        computeTaskKey: 't1',
        computeTaskOutputIdentifier: identifier,
        assetKind: AssetKind.ASSET_MODEL,
        assetKey,
      });
    await tx(ch, async (d) => {
      await d.addComputeTaskOutputAsset(oa('model', 'm2'));
      await d.addComputeTaskOutputAsset(oa('model', 'm1'));
      await d.addComputeTaskOutputAsset(oa('perf', 'p'));
    });
    expect(await tx(ch, (d) => d.getComputeTaskOutputAssets('t1', 'model'))).toEqual([
      oa('model', 'm2'),
      oa('model', 'm1'),
    ]);
    expect(await tx(ch, (d) => d.countComputeTaskOutputAssets('t1'))).toEqual(
      new Map([
        ['model', 2],
        ['perf', 1],
      ]),
    );
    expect(await tx(ch, (d) => d.countComputeTaskOutputAssets('t2'))).toEqual(new Map());
  });

  it('handles models, performances and failure reports', async () => {
    const ch = await world(['t1', 'a', 'b', 'c']);
    const model = (key: string, s: number) =>
      create(ModelSchema, {
        key,
        computeTaskKey: 't1',
        owner: 'Org1MSP',
        creationDate: at(s),
        address: { checksum: 'c', storageAddress: `http://m/${key}` },
        permissions: { process: { public: true }, download: { public: true } },
      });
    const perf = (taskKey: string, identifier: string, s: number, value: number) =>
      create(PerformanceSchema, {
        computeTaskKey: taskKey,
        computeTaskOutputIdentifier: identifier,
        creationDate: at(s),
        performanceValue: value,
      });
    await tx(ch, async (d) => {
      await d.addModel(model('m2', 1));
      await d.addModel(model('m1', 1));
      await d.addPerformance(perf('a', 'acc', 1, 0.5));
      await d.addPerformance(perf('b', 'acc', 1, 0.25));
      await d.addPerformance(perf('b', 'loss', 1, 0.125));
      await d.addPerformance(perf('c', 'acc', 0, 1));
    });
    expect((await tx(ch, (d) => d.getComputeTaskOutputModels('t1'))).map((m) => m.key)).toEqual(['m1', 'm2']);
    await tx(ch, (d) => d.updateModel({ ...model('m1', 1), address: undefined }));
    expect((await tx(ch, (d) => d.getModel('m1')))?.address).toBeUndefined();
    expect((await tx(ch, (d) => d.getModel('m2')))?.address?.storageAddress).toBe('http://m/m2');

    expect(await tx(ch, (d) => d.getPerformance('b', 'loss'))).toEqual(perf('b', 'loss', 1, 0.125));
    expect(await tx(ch, (d) => d.getPerformance('b', 'nope'))).toBeUndefined();
    const pages = await tx(ch, (d) => allPages((p) => d.queryPerformances(p, {}), 2));
    expect(pages.map((p) => p.map((x) => `${x.computeTaskKey}/${x.computeTaskOutputIdentifier}`))).toEqual([
      ['c/acc', 'b/acc'],
      ['b/loss', 'a/acc'],
    ]);
    const byTask = await tx(ch, (d) => d.queryPerformances({ token: '', size: 10 }, { computeTaskKey: 'b' }));
    expect(byTask.items).toHaveLength(2);
    const byId = await tx(ch, (d) =>
      d.queryPerformances({ token: '', size: 10 }, { computeTaskKey: 'b', computeTaskOutputIdentifier: 'acc' }),
    );
    expect(byId.items.map((x) => x.performanceValue)).toEqual([0.25]);
    await expect(tx(ch, (d) => d.addPerformance(perf('a', 'acc', 5, 0)))).rejects.toMatchObject({ kind: 'Conflict' });

    const report = create(FailureReportSchema, {
      assetKey: 't1',
      errorType: ErrorType.EXECUTION,
      logsAddress: { checksum: 'l', storageAddress: 'http://logs' },
      creationDate: at(3),
      owner: 'Org1MSP',
    });
    await tx(ch, (d) => d.addFailureReport(report));
    expect(await tx(ch, (d) => d.getFailureReport('t1'))).toEqual(report);
    expect(await tx(ch, (d) => d.getFailureReport('t2'))).toBeUndefined();
  });

  it('stores events and queries them in the order they were stored (commit order), with every filter', async () => {
    const ch = freshChannel();
    const evs = [
      event('e3', 't1', { timestamp: at(1) }),
      event('e1', 't1', { timestamp: at(1), eventKind: EventKind.EVENT_ASSET_UPDATED, metadata: { reason: 'x' } }),
      event('e2', 'f1', { timestamp: at(0), assetKind: AssetKind.ASSET_FUNCTION }),
      event('e0', 't2', { timestamp: at(2, 1), metadata: { reason: 'x', other: 'y' } }),
    ];
    await tx(ch, (d) => d.addEvents(evs));
    await tx(freshChannel(), (d) => d.addEvents([event('e1', 't1')]));
    const ids = async (filter: Parameters<DBAL['queryEvents']>[1], sort = SortOrder.UNSPECIFIED, size = 10) =>
      (await tx(ch, (d) => allPages((p) => d.queryEvents(p, filter, sort), size))).map((p) => p.map((e) => e.id));
    // Timestamps are filtered on, never sorted by: e2 is older than e3 yet was stored after it.
    expect(await ids({}, SortOrder.ASCENDING, 3)).toEqual([['e3', 'e1', 'e2'], ['e0']]);
    expect(await ids({}, SortOrder.DESCENDING, 3)).toEqual([['e0', 'e2', 'e1'], ['e3']]);
    expect(await ids({ assetKey: 't1' })).toEqual([['e3', 'e1']]);
    expect(await ids({ assetKind: AssetKind.ASSET_FUNCTION })).toEqual([['e2']]);
    expect(await ids({ eventKind: EventKind.EVENT_ASSET_UPDATED })).toEqual([['e1']]);
    expect(await ids({ metadata: { reason: 'x' } })).toEqual([['e1', 'e0']]);
    expect(await ids({ metadata: { reason: 'x', other: 'y' } })).toEqual([['e0']]);
    expect(await ids({ start: at(1), end: at(2) })).toEqual([['e3', 'e1']]);
    expect(await ids({ start: at(2, 1) })).toEqual([['e0']]);
    const page = await tx(ch, (d) => d.queryEvents({ token: '', size: 1 }, { assetKey: 'f1' }, SortOrder.ASCENDING));
    expect(page.items[0]).toEqual({ ...evs[2], channel: ch });
  });

  it('rejects a duplicate event id in the same channel', async () => {
    const ch = freshChannel();
    await tx(ch, (d) => d.addEvents([event('dup', 't1')]));
    await expect(tx(ch, (d) => d.addEvents([event('dup', 't1')]))).rejects.toMatchObject({ kind: 'Conflict' });
  });

  it('keeps microsecond timestamps exactly', async () => {
    const ch = await world();
    const t = task('precise', { s: 12345, us: 999_999 });
    await tx(ch, (d) => d.addComputeTasks([t]));
    expect((await tx(ch, (d) => d.getComputeTask('precise')))?.creationDate).toEqual(at(12345, 999_999));
    // Sub-microsecond digits are dropped on the way in (also inside an event's asset), without touching the caller's.
    const fine = task('fine');
    fine.creationDate = { ...at(1), nanos: 123_456_789 };
    const ev = event('ev-fine', 'fine', {
      timestamp: { ...at(2), nanos: 1_999 },
      asset: { case: 'computeTask', value: fine },
    });
    await tx(ch, async (d) => {
      await d.addComputeTasks([fine]);
      await d.addEvents([ev]);
    });
    expect(fine.creationDate.nanos).toBe(123_456_789);
    expect((await tx(ch, (d) => d.getComputeTask('fine')))?.creationDate?.nanos).toBe(123_456_000);
    const [stored] = (
      await tx(ch, (d) => d.queryEvents({ token: '', size: 1 }, { assetKey: 'fine' }, SortOrder.ASCENDING))
    ).items;
    expect(stored?.timestamp?.nanos).toBe(1_000);
    expect(stored?.asset.case === 'computeTask' && stored.asset.value.creationDate?.nanos).toBe(123_456_000);
  });
});
