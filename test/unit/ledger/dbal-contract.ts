// The DBAL contract (lib/persistence/dbal.ts), as a suite any backend runs:
//   describeDbalContract('PostgreSQL', async () => ({ dbal, channel, dispose }))
// It only uses the DBAL interface and the asset schemas. Each test gets a fresh DBAL from `makeDbal`; keys are
// random UUIDs, so a backend may serve every test from one database, one new channel per test.
import { create } from '@bufbuild/protobuf';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  AddressableSchema,
  AssetKind,
  ComputePlanSchema,
  ComputeTaskOutputAssetSchema,
  ComputeTaskSchema,
  ComputeTaskStatus,
  DataManagerSchema,
  DataSampleSchema,
  EventKind,
  EventSchema,
  FailureReportSchema,
  FunctionSchema,
  FunctionStatus,
  ModelSchema,
  OrganizationSchema,
  PerformanceSchema,
  SortOrder,
  type ComputePlan,
  type ComputeTask,
  type Event,
  type Function as OrcFunction,
  type Performance,
} from '../../../lib/asset/index.js';
import { isOrcError } from '../../../lib/errors/index.js';
import type { DBAL, EventFilter, TaskFilter } from '../../../lib/persistence/index.js';
import {
  at,
  byDateThenKey,
  dataManager,
  dataSample,
  event,
  expectProto,
  expectProtoList,
  failureReport,
  fn,
  microsOf,
  model,
  orgId,
  organization,
  outputAsset,
  performance,
  plan,
  readAllPages,
  task,
  uuid,
} from './dbal-fixtures.js';

export interface DbalUnderTest {
  dbal: DBAL;
  /** The channel the DBAL is bound to (events come back with it). */
  channel: string;
  /** Called after each test (roll back, close connections...). */
  dispose?: () => Promise<void>;
  /**
   * How queryEvents orders: 'added' (the default) is the order addEvents received them — commit order, the order
   * SubscribeToEvents delivers; 'timestamp' is LedgerDB's world-state order (timestamp, then id).
   */
  eventOrder?: 'added' | 'timestamp';
}

const S = ComputeTaskStatus;

async function expectOrcError(promise: Promise<unknown>, kind: string): Promise<void> {
  const err = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err, `expected an OrcError ${kind}`).toBeDefined();
  expect(isOrcError(err) ? err.kind : err).toBe(kind);
}

const keys = (items: { key: string }[]): string[] => items.map((i) => i.key);

export function describeDbalContract(name: string, makeDbal: () => Promise<DbalUnderTest>): void {
  describe(`DBAL contract: ${name}`, () => {
    let under: DbalUnderTest;
    let db: DBAL;

    beforeEach(async () => {
      under = await makeDbal();
      db = under.dbal;
    });
    afterEach(async () => {
      await under.dispose?.();
    });

    async function addOrg(createdAt = 0): Promise<string> {
      const id = orgId();
      await db.addOrganization(organization(id, createdAt));
      return id;
    }

    /** An owner, a worker, a function and a plan: what a task needs. */
    async function taskWorld(): Promise<{ owner: string; worker: string; fn: OrcFunction; plan: ComputePlan }> {
      const owner = await addOrg();
      const worker = await addOrg();
      const f = fn(owner, 0);
      await db.addFunction(f);
      const p = plan(owner, 0);
      await db.addComputePlan(p);
      return { owner, worker, fn: f, plan: p };
    }

    describe('organizations', () => {
      it('round-trips an organization; an absent one is undefined', async () => {
        const org = organization(orgId(), 42);
        await db.addOrganization(org);
        expectProto(OrganizationSchema, await db.getOrganization(org.id), org);
        expect(await db.getOrganization(orgId())).toBeUndefined();
      });

      it('lists organizations by creation date, then id', async () => {
        const orgs = [5, 1, 5, 3, 1, 5].map((d) => organization(orgId(), d));
        for (const o of orgs) await db.addOrganization(o);
        const expected = [...orgs].sort((a, b) => byDateThenKey({ ...a, key: a.id }, { ...b, key: b.id }));
        expectProtoList(OrganizationSchema, await db.getAllOrganizations(), expected);
      });

      it('refuses an id that exists (Conflict)', async () => {
        const id = await addOrg();
        await expectOrcError(db.addOrganization(organization(id, 1)), 'Conflict');
      });
    });

    describe('timestamps', () => {
      it('are stored and returned at microsecond precision', async () => {
        const org = organization(orgId(), 0);
        org.creationDate = { $typeName: 'google.protobuf.Timestamp', seconds: 1_700_000_000n, nanos: 123_456_789 };
        await db.addOrganization(org);
        const got = await db.getOrganization(org.id);
        expect(got?.creationDate?.seconds).toBe(1_700_000_000n);
        expect(got?.creationDate?.nanos).toBe(123_456_000);
      });
    });

    describe('functions', () => {
      it('round-trips a function with its maps, permissions and present-but-empty image', async () => {
        const owner = await addOrg();
        const f = fn(owner, 7);
        await db.addFunction(f);
        const got = await db.getFunction(f.key);
        expectProto(FunctionSchema, got, f);
        expect(got?.image).toBeDefined();
        expect(await db.getFunction(uuid())).toBeUndefined();
      });

      it('updateFunction persists name, status and image only', async () => {
        const owner = await addOrg();
        const f = fn(owner, 7);
        await db.addFunction(f);
        const update = create(FunctionSchema, {
          ...f,
          name: 'renamed',
          status: FunctionStatus.READY,
          image: create(AddressableSchema, { checksum: 'f'.repeat(64), storageAddress: 'https://image.example.com' }),
          description: create(AddressableSchema, {
            checksum: 'e'.repeat(64),
            storageAddress: 'https://not-persisted.example.com',
          }),
          metadata: { not: 'persisted' },
        });
        await db.updateFunction(update);
        const expected = create(FunctionSchema, {
          ...f,
          name: 'renamed',
          status: FunctionStatus.READY,
          image: create(AddressableSchema, { checksum: 'f'.repeat(64), storageAddress: 'https://image.example.com' }),
        });
        expectProto(FunctionSchema, await db.getFunction(f.key), expected);
      });

      it('queryFunctions lists by creation date then key, page by page', async () => {
        const owner = await addOrg();
        const fns = [3, 1, 3, 2, 1].map((d) => fn(owner, d));
        for (const f of fns) await db.addFunction(f);
        const expected = [...fns].sort(byDateThenKey);
        expectProtoList(FunctionSchema, (await db.queryFunctions({ token: '', size: 100 }, {})).items, expected);
        for (let size = 1; size <= fns.length + 1; size++) {
          const all = await readAllPages(
            (p) => db.queryFunctions(p, {}),
            size,
            (f) => f.key,
          );
          expect(keys(all)).toEqual(keys(expected));
        }
      });

      it('queryFunctions with a plan lists the functions its tasks use', async () => {
        const { owner, worker, plan: p } = await taskWorld();
        const other = plan(owner, 0);
        await db.addComputePlan(other);
        const fns = [4, 2, 4, 9].map((d) => fn(owner, d));
        for (const f of fns) await db.addFunction(f);
        const [f0, f1, f2, f3] = fns as [OrcFunction, OrcFunction, OrcFunction, OrcFunction];
        await db.addComputeTasks([
          task({ plan: p, function: f0, worker, createdAt: 1 }),
          task({ plan: p, function: f1, worker, createdAt: 2 }),
          task({ plan: p, function: f0, worker, createdAt: 3 }),
          task({ plan: p, function: f2, worker, createdAt: 4 }),
          task({ plan: other, function: f3, worker, createdAt: 5 }),
        ]);
        const expected = keys([f0, f1, f2].sort(byDateThenKey));
        for (let size = 1; size <= 4; size++) {
          const all = await readAllPages(
            (pg) => db.queryFunctions(pg, { computePlanKey: p.key }),
            size,
            (f) => f.key,
          );
          expect(keys(all)).toEqual(expected);
        }
        expect((await db.queryFunctions({ token: '', size: 10 }, { computePlanKey: uuid() })).items).toEqual([]);
      });
    });

    describe('data managers', () => {
      it('round-trips, batch-reads (absent keys ignored) and renames', async () => {
        const owner = await addOrg();
        const dms = [1, 2].map((d) => dataManager(owner, d));
        for (const dm of dms) await db.addDataManager(dm);
        const [dm0, dm1] = dms as [(typeof dms)[0], (typeof dms)[0]];
        expectProto(DataManagerSchema, await db.getDataManager(dm0.key), dm0);
        expect(await db.getDataManager(uuid())).toBeUndefined();
        const batch = await db.getDataManagers([dm1.key, uuid(), dm0.key]);
        expectProtoList(DataManagerSchema, [...batch].sort(byDateThenKey), [dm0, dm1]);

        await db.updateDataManager(create(DataManagerSchema, { ...dm0, name: 'renamed', type: 'not persisted' }));
        expectProto(
          DataManagerSchema,
          await db.getDataManager(dm0.key),
          create(DataManagerSchema, { ...dm0, name: 'renamed' }),
        );
      });

      it('queryDataManagers lists by creation date then key, page by page', async () => {
        const owner = await addOrg();
        const dms = [2, 2, 1, 3, 2].map((d) => dataManager(owner, d));
        for (const dm of dms) await db.addDataManager(dm);
        const expected = keys([...dms].sort(byDateThenKey));
        for (let size = 1; size <= dms.length + 1; size++) {
          expect(
            keys(
              await readAllPages(
                (p) => db.queryDataManagers(p),
                size,
                (d) => d.key,
              ),
            ),
          ).toEqual(expected);
        }
      });
    });

    describe('data samples', () => {
      it('round-trips samples and updates their data manager keys in the order given', async () => {
        const owner = await addOrg();
        const [dmA, dmB, dmC] = [1, 2, 3].map((d) => dataManager(owner, d)) as [
          ReturnType<typeof dataManager>,
          ReturnType<typeof dataManager>,
          ReturnType<typeof dataManager>,
        ];
        for (const dm of [dmA, dmB, dmC]) await db.addDataManager(dm);
        const s0 = dataSample(owner, 5, [dmB.key]);
        const s1 = dataSample(owner, 6, []);
        await db.addDataSamples([s0, s1]);
        const got = await db.getDataSamples([s1.key, s0.key, uuid()]);
        expectProtoList(DataSampleSchema, [...got].sort(byDateThenKey), [s0, s1]);

        await db.updateDataSamples([create(DataSampleSchema, { ...s0, dataManagerKeys: [dmB.key, dmA.key, dmC.key] })]);
        const [updated] = await db.getDataSamples([s0.key]);
        expect(updated?.dataManagerKeys).toEqual([dmB.key, dmA.key, dmC.key]);
        expect(await db.getDataSampleKeysByManager(dmA.key)).toEqual([s0.key]);
        expect(await db.getDataSampleKeysByManager(dmC.key)).toEqual([s0.key]);
      });

      it('getDataSampleKeysByManager lists by creation date then key', async () => {
        const owner = await addOrg();
        const dm = dataManager(owner, 0);
        const otherDm = dataManager(owner, 0);
        await db.addDataManager(dm);
        await db.addDataManager(otherDm);
        const samples = [4, 1, 4, 2].map((d) => dataSample(owner, d, [dm.key]));
        await db.addDataSamples([...samples, dataSample(owner, 3, [otherDm.key])]);
        expect(await db.getDataSampleKeysByManager(dm.key)).toEqual(keys([...samples].sort(byDateThenKey)));
        expect(await db.getDataSampleKeysByManager(uuid())).toEqual([]);
      });

      it('queryDataSamples lists by creation date then key, with or without a key filter', async () => {
        const owner = await addOrg();
        const samples = [3, 1, 3, 2, 1, 5].map((d) => dataSample(owner, d, []));
        await db.addDataSamples(samples);
        const expected = keys([...samples].sort(byDateThenKey));
        for (let size = 1; size <= samples.length + 1; size++) {
          expect(
            keys(
              await readAllPages(
                (p) => db.queryDataSamples(p, {}),
                size,
                (s) => s.key,
              ),
            ),
          ).toEqual(expected);
        }
        const subset = [samples[0], samples[3], samples[4]] as typeof samples;
        const wanted = [...keys(subset), uuid()];
        for (let size = 1; size <= 4; size++) {
          const all = await readAllPages(
            (p) => db.queryDataSamples(p, { keys: wanted }),
            size,
            (s) => s.key,
          );
          expect(keys(all)).toEqual(keys([...subset].sort(byDateThenKey)));
        }
      });

      it('refuses a key that exists, also within one batch (Conflict)', async () => {
        const owner = await addOrg();
        const s = dataSample(owner, 1, []);
        await db.addDataSamples([s]);
        await expectOrcError(db.addDataSamples([dataSample(owner, 2, [], s.key)]), 'Conflict');
        const key = uuid();
        await expectOrcError(
          db.addDataSamples([dataSample(owner, 2, [], key), dataSample(owner, 2, [], key)]),
          'Conflict',
        );
      });
    });

    describe('compute plans', () => {
      it('round-trips a plan; update persists name, cancelation and failure dates only', async () => {
        const owner = await addOrg();
        const p = plan(owner, 3);
        await db.addComputePlan(p);
        const got = await db.getComputePlan(p.key);
        expectProto(ComputePlanSchema, got, p);
        expect(got?.cancelationDate).toBeUndefined();
        expect(got?.failureDate).toBeUndefined();
        expect(await db.getComputePlan(uuid())).toBeUndefined();

        await db.updateComputePlan(
          create(ComputePlanSchema, {
            ...p,
            name: 'renamed',
            tag: 'not persisted',
            cancelationDate: at(10),
            failureDate: at(11),
          }),
        );
        const expected = create(ComputePlanSchema, {
          ...p,
          name: 'renamed',
          cancelationDate: at(10),
          failureDate: at(11),
        });
        expectProto(ComputePlanSchema, await db.getComputePlan(p.key), expected);

        await db.updateComputePlan(create(ComputePlanSchema, { ...expected, failureDate: undefined }));
        expect((await db.getComputePlan(p.key))?.failureDate).toBeUndefined();
      });

      it('queryComputePlans lists by creation date then key, optionally by owner', async () => {
        const alice = await addOrg();
        const bob = await addOrg();
        const plans = [2, 1, 2, 3, 1, 2].map((d, i) => plan(i % 2 ? alice : bob, d));
        for (const p of plans) await db.addComputePlan(p);
        for (let size = 1; size <= plans.length + 1; size++) {
          const all = await readAllPages(
            (pg) => db.queryComputePlans(pg, {}),
            size,
            (p) => p.key,
          );
          expect(keys(all)).toEqual(keys([...plans].sort(byDateThenKey)));
          const mine = await readAllPages(
            (pg) => db.queryComputePlans(pg, { owner: alice }),
            size,
            (p) => p.key,
          );
          expect(keys(mine)).toEqual(keys(plans.filter((p) => p.owner === alice).sort(byDateThenKey)));
        }
        expectProtoList(
          ComputePlanSchema,
          (await db.queryComputePlans({ token: '', size: 50 }, {})).items,
          [...plans].sort(byDateThenKey),
        );
      });
    });

    describe('compute tasks', () => {
      it('round-trips tasks (inputs of both kinds, outputs, permissions); batch reads ignore absent keys', async () => {
        const w = await taskWorld();
        const parent = task({ plan: w.plan, function: w.fn, worker: w.worker, createdAt: 1 });
        const child = task({ plan: w.plan, function: w.fn, worker: w.worker, createdAt: 2, parents: [parent.key] });
        await db.addComputeTasks([parent, child]);
        expectProto(ComputeTaskSchema, await db.getComputeTask(child.key), child);
        expect(await db.getComputeTask(uuid())).toBeUndefined();
        const batch = await db.getComputeTasks([child.key, uuid(), parent.key]);
        expectProtoList(ComputeTaskSchema, [...batch].sort(byDateThenKey), [parent, child]);
        await expectOrcError(
          db.addComputeTasks([task({ plan: w.plan, function: w.fn, worker: w.worker, createdAt: 3, key: parent.key })]),
          'Conflict',
        );
      });

      it('updateComputeTaskStatus moves the task between status lists (read your writes)', async () => {
        const w = await taskWorld();
        const t = task({
          plan: w.plan,
          function: w.fn,
          worker: w.worker,
          createdAt: 1,
          status: S.STATUS_WAITING_FOR_BUILDER_SLOT,
        });
        await db.addComputeTasks([t]);
        await db.updateComputeTaskStatus(t.key, S.STATUS_BUILDING);
        expect((await db.getComputeTask(t.key))?.status).toBe(S.STATUS_BUILDING);
        const page = (filter: TaskFilter) =>
          db.queryComputeTasks({ token: '', size: 10 }, filter).then((p) => keys(p.items));
        expect(await page({ status: S.STATUS_BUILDING })).toEqual([t.key]);
        expect(await page({ status: S.STATUS_WAITING_FOR_BUILDER_SLOT })).toEqual([]);
        expect(await page({ computePlanKey: w.plan.key, status: S.STATUS_BUILDING })).toEqual([t.key]);
        expect(await page({ worker: w.worker, status: S.STATUS_WAITING_FOR_BUILDER_SLOT })).toEqual([]);
        expect(await db.getFunctionTasksWithStatus(w.fn.key, [S.STATUS_WAITING_FOR_BUILDER_SLOT])).toEqual([]);
        expect(keys(await db.getFunctionTasksWithStatus(w.fn.key, [S.STATUS_BUILDING]))).toEqual([t.key]);
        expect(await db.getComputePlanTaskStatuses(w.plan.key)).toEqual(new Set([S.STATUS_BUILDING]));
        const stored = await db.getComputeTask(t.key);
        expectProto(ComputeTaskSchema, stored, create(ComputeTaskSchema, { ...t, status: S.STATUS_BUILDING }));
      });

      describe('queryComputeTasks', () => {
        let all: ComputeTask[];
        let ctx: { planA: string; planB: string; fnA: string; fnB: string; w1: string; w2: string };

        beforeEach(async () => {
          const owner = await addOrg();
          const w1 = await addOrg();
          const w2 = await addOrg();
          const fA = fn(owner, 0);
          const fB = fn(owner, 0);
          await db.addFunction(fA);
          await db.addFunction(fB);
          const pA = plan(owner, 0);
          const pB = plan(owner, 0);
          await db.addComputePlan(pA);
          await db.addComputePlan(pB);
          ctx = { planA: pA.key, planB: pB.key, fnA: fA.key, fnB: fB.key, w1, w2 };
          const statuses = [S.STATUS_DONE, S.STATUS_WAITING_FOR_EXECUTOR_SLOT, S.STATUS_EXECUTING, S.STATUS_DONE];
          all = [];
          for (let i = 0; i < 16; i++) {
            all.push(
              task({
                plan: i % 2 ? pA : pB,
                function: i % 3 ? fA : fB,
                worker: i % 5 < 2 ? w1 : w2,
                status: statuses[i % 4] as ComputeTaskStatus,
                createdAt: [3, 1, 2, 3][i % 4] as number,
              }),
            );
          }
          await db.addComputeTasks(all);
        });

        it('filters by every combination and lists by creation date then key', async () => {
          const filters: TaskFilter[] = [
            {},
            { worker: ctx.w1 },
            { status: S.STATUS_DONE },
            { computePlanKey: ctx.planA },
            { functionKey: ctx.fnB },
            { computePlanKey: ctx.planA, status: S.STATUS_DONE },
            { worker: ctx.w2, status: S.STATUS_EXECUTING },
            { functionKey: ctx.fnA, status: S.STATUS_WAITING_FOR_EXECUTOR_SLOT },
            { computePlanKey: ctx.planB, worker: ctx.w1 },
            { computePlanKey: ctx.planA, functionKey: ctx.fnA, worker: ctx.w2, status: S.STATUS_DONE },
            { computePlanKey: uuid() },
            { status: S.STATUS_FAILED },
          ];
          for (const filter of filters) {
            const expected = all
              .filter(
                (t) =>
                  (!filter.worker || t.worker === filter.worker) &&
                  (!filter.status || t.status === filter.status) &&
                  (!filter.computePlanKey || t.computePlanKey === filter.computePlanKey) &&
                  (!filter.functionKey || t.functionKey === filter.functionKey),
              )
              .sort(byDateThenKey);
            for (const size of [1, 2, 3, 5, 50]) {
              const got = await readAllPages(
                (p) => db.queryComputeTasks(p, filter),
                size,
                (t) => t.key,
              );
              expect(keys(got), JSON.stringify({ filter, size })).toEqual(keys(expected));
            }
          }
        });

        it('returns whole tasks', async () => {
          const page = await db.queryComputeTasks({ token: '', size: 100 }, {});
          expectProtoList(ComputeTaskSchema, page.items, [...all].sort(byDateThenKey));
          expect(page.nextToken).toBe('');
        });

        it('getComputePlanTaskStatuses gives the distinct statuses of the plan', async () => {
          const statusesOf = (planKey: string) =>
            new Set(all.filter((t) => t.computePlanKey === planKey).map((t) => t.status));
          expect(await db.getComputePlanTaskStatuses(ctx.planA)).toEqual(statusesOf(ctx.planA));
          expect(await db.getComputePlanTaskStatuses(ctx.planB)).toEqual(statusesOf(ctx.planB));
          expect(await db.getComputePlanTaskStatuses(uuid())).toEqual(new Set());
          for (const t of all.filter((x) => x.computePlanKey === ctx.planA)) {
            await db.updateComputeTaskStatus(t.key, S.STATUS_CANCELED);
          }
          expect(await db.getComputePlanTaskStatuses(ctx.planA)).toEqual(new Set([S.STATUS_CANCELED]));
        });

        it('getFunctionTasksWithStatus lists the function tasks in the given statuses by creation date then key', async () => {
          const wanted = [S.STATUS_DONE, S.STATUS_EXECUTING];
          const expected = all
            .filter((t) => t.functionKey === ctx.fnA && wanted.includes(t.status))
            .sort(byDateThenKey);
          expect(keys(await db.getFunctionTasksWithStatus(ctx.fnA, wanted))).toEqual(keys(expected));
          expect(await db.getFunctionTasksWithStatus(ctx.fnA, [])).toEqual([]);
          expect(await db.getFunctionTasksWithStatus(uuid(), wanted)).toEqual([]);
        });
      });

      it('getComputeTaskChildren lists the tasks referencing the parent, by creation date then key', async () => {
        const w = await taskWorld();
        const mk = (createdAt: number, parents: string[] = []) =>
          task({ plan: w.plan, function: w.fn, worker: w.worker, createdAt, parents });
        const p1 = mk(0);
        const p2 = mk(0);
        const c1 = mk(5, [p1.key]);
        const c2 = mk(3, [p1.key, p2.key]);
        const c3 = mk(5, [p1.key, p1.key]); // the same parent twice counts once
        const c4 = mk(4, [p2.key]);
        await db.addComputeTasks([p1, p2, c1, c2, c3, c4]);
        const children = await db.getComputeTaskChildren(p1.key);
        expect(keys(children)).toEqual(keys([c1, c2, c3].sort(byDateThenKey)));
        expect(keys(await db.getComputeTaskChildren(p2.key))).toEqual(keys([c2, c4].sort(byDateThenKey)));
        expect(await db.getComputeTaskChildren(c1.key)).toEqual([]);
      });
    });

    describe('task output assets', () => {
      it('keeps registration order per output and counts per identifier', async () => {
        const w = await taskWorld();
        const t = task({ plan: w.plan, function: w.fn, worker: w.worker, createdAt: 1 });
        await db.addComputeTasks([t]);
        const modelKeys = ['ffffffff-0000-4000-8000-000000000000', uuid(), '00000000-0000-4000-8000-000000000000'];
        for (const k of modelKeys) await db.addComputeTaskOutputAsset(outputAsset(t, 'model', k));
        await db.addComputeTaskOutputAsset(
          create(ComputeTaskOutputAssetSchema, {
            ...outputAsset(t, 'perf', `${t.key}|perf`),
            assetKind: AssetKind.ASSET_PERFORMANCE,
          }),
        );
        const got = await db.getComputeTaskOutputAssets(t.key, 'model');
        expectProtoList(
          ComputeTaskOutputAssetSchema,
          got,
          modelKeys.map((k) => outputAsset(t, 'model', k)),
        );
        expect((await db.getComputeTaskOutputAssets(t.key, 'perf')).map((a) => a.assetKind)).toEqual([
          AssetKind.ASSET_PERFORMANCE,
        ]);
        expect(await db.getComputeTaskOutputAssets(t.key, 'other')).toEqual([]);
        expect(await db.countComputeTaskOutputAssets(t.key)).toEqual(
          new Map([
            ['model', 3],
            ['perf', 1],
          ]),
        );
        expect(await db.countComputeTaskOutputAssets(uuid())).toEqual(new Map());
      });
    });

    describe('models', () => {
      it('round-trips, lists a task models by creation date then key, and disables (address absent)', async () => {
        const w = await taskWorld();
        const t = task({ plan: w.plan, function: w.fn, worker: w.worker, createdAt: 1 });
        const other = task({ plan: w.plan, function: w.fn, worker: w.worker, createdAt: 1 });
        await db.addComputeTasks([t, other]);
        const models = [3, 2, 3].map((d) => model(t, d));
        for (const m of models) await db.addModel(m);
        await db.addModel(model(other, 1));
        const [m0] = models as [(typeof models)[0]];
        expectProto(ModelSchema, await db.getModel(m0.key), m0);
        expect(await db.getModel(uuid())).toBeUndefined();
        expectProtoList(ModelSchema, await db.getComputeTaskOutputModels(t.key), [...models].sort(byDateThenKey));
        expect(await db.getComputeTaskOutputModels(uuid())).toEqual([]);

        await db.updateModel(create(ModelSchema, { ...m0, address: undefined, owner: 'not persisted' }));
        const disabled = await db.getModel(m0.key);
        expect(disabled?.address).toBeUndefined();
        expectProto(ModelSchema, disabled, create(ModelSchema, { ...m0, address: undefined }));
        await expectOrcError(db.addModel(model(t, 9, m0.key)), 'Conflict');
      });
    });

    describe('performances', () => {
      let perfs: Performance[];
      let tasks: ComputeTask[];

      beforeEach(async () => {
        const w = await taskWorld();
        tasks = [0, 0, 0].map(() => task({ plan: w.plan, function: w.fn, worker: w.worker, createdAt: 1 }));
        await db.addComputeTasks(tasks);
        const [t0, t1, t2] = tasks as [ComputeTask, ComputeTask, ComputeTask];
        perfs = [
          performance(t0, 'perf', 5, 0.5),
          performance(t1, 'perf', 5, 0.25),
          performance(t2, 'perf', 2, 0.125),
          performance(t0, 'auc', 7, 1.5),
          performance(t2, 'auc', 5, 2),
        ];
        for (const p of perfs) await db.addPerformance(p);
      });

      /** Creation date ascending, compute task key descending, then output identifier ascending (total order). */
      const order = (a: Performance, b: Performance): number => {
        const d = microsOf(a.creationDate) - microsOf(b.creationDate);
        if (d !== 0n) return d < 0n ? -1 : 1;
        if (a.computeTaskKey !== b.computeTaskKey) return a.computeTaskKey > b.computeTaskKey ? -1 : 1;
        return a.computeTaskOutputIdentifier < b.computeTaskOutputIdentifier ? -1 : 1;
      };
      const id = (p: Performance) => `${p.computeTaskKey}|${p.computeTaskOutputIdentifier}`;

      it('round-trips; an absent one is undefined; a second one on the same output is a Conflict', async () => {
        const p = perfs[0] as Performance;
        expectProto(PerformanceSchema, await db.getPerformance(p.computeTaskKey, p.computeTaskOutputIdentifier), p);
        expect(await db.getPerformance(p.computeTaskKey, 'nope')).toBeUndefined();
        await expectOrcError(db.addPerformance(performance(tasks[0] as ComputeTask, 'perf', 9)), 'Conflict');
      });

      it('queryPerformances orders by date ascending then task key descending, with every filter', async () => {
        const t0 = (tasks[0] as ComputeTask).key;
        const filters = [
          {},
          { computeTaskKey: t0 },
          { computeTaskOutputIdentifier: 'perf' },
          { computeTaskKey: t0, computeTaskOutputIdentifier: 'auc' },
          { computeTaskKey: uuid() },
        ];
        for (const filter of filters) {
          const expected = perfs
            .filter(
              (p) =>
                (!filter.computeTaskKey || p.computeTaskKey === filter.computeTaskKey) &&
                (!filter.computeTaskOutputIdentifier ||
                  p.computeTaskOutputIdentifier === filter.computeTaskOutputIdentifier),
            )
            .sort(order);
          for (let size = 1; size <= perfs.length + 1; size++) {
            const got = await readAllPages((pg) => db.queryPerformances(pg, filter), size, id);
            expect(got.map(id), JSON.stringify({ filter, size })).toEqual(expected.map(id));
          }
        }
        expectProtoList(
          PerformanceSchema,
          (await db.queryPerformances({ token: '', size: 10 }, {})).items,
          [...perfs].sort(order),
        );
      });
    });

    describe('failure reports', () => {
      it('round-trips with and without logs address; one per asset', async () => {
        const owner = await addOrg();
        const withLogs = failureReport(uuid(), owner, 1, true);
        const without = failureReport(uuid(), owner, 2, false);
        await db.addFailureReport(withLogs);
        await db.addFailureReport(without);
        expectProto(FailureReportSchema, await db.getFailureReport(withLogs.assetKey), withLogs);
        const got = await db.getFailureReport(without.assetKey);
        expectProto(FailureReportSchema, got, without);
        expect(got?.logsAddress).toBeUndefined();
        expect(await db.getFailureReport(uuid())).toBeUndefined();
        await expectOrcError(db.addFailureReport(failureReport(withLogs.assetKey, owner, 3)), 'Conflict');
      });
    });

    describe('events', () => {
      let events: Event[];
      const assetA = uuid();
      const assetB = uuid();

      beforeEach(async () => {
        const w = await taskWorld();
        const payload = task({ plan: w.plan, function: w.fn, worker: w.worker, createdAt: 1 });
        events = [
          event({
            assetKey: assetA,
            at: 10,
            metadata: { reason: 'User action', x: '1' },
            eventKind: EventKind.EVENT_ASSET_UPDATED,
          }),
          event({
            assetKey: assetB,
            at: 10,
            assetKind: AssetKind.ASSET_COMPUTE_TASK,
            asset: { case: 'computeTask', value: payload },
          }),
          event({ assetKey: assetA, at: 5, assetKind: AssetKind.ASSET_MODEL }),
          event({
            assetKey: assetB,
            at: 20,
            metadata: { reason: 'User action' },
            eventKind: EventKind.EVENT_ASSET_DISABLED,
          }),
          event({ assetKey: assetA, at: 10, eventKind: EventKind.EVENT_ASSET_UPDATED, metadata: { reason: 'other' } }),
          event({ assetKey: assetB, at: 1, assetKind: AssetKind.ASSET_COMPUTE_TASK }),
          event({ assetKey: assetA, at: 20, assetKind: AssetKind.ASSET_MODEL, metadata: { x: '1' } }),
        ];
        await db.addEvents(events);
      });

      const ascending = (a: Event, b: Event): number => {
        if (under.eventOrder !== 'timestamp') return events.indexOf(a) - events.indexOf(b);
        const d = microsOf(a.timestamp) - microsOf(b.timestamp);
        if (d !== 0n) return d < 0n ? -1 : 1;
        return a.id < b.id ? -1 : a.id > b.id ? 1 : 0;
      };
      const ids = (list: Event[]) => list.map((e) => e.id);

      it("returns whole events, channel filled, in the contract's order, in both directions", async () => {
        const asc = [...events].sort(ascending);
        const withChannel = (e: Event) => create(EventSchema, { ...e, channel: under.channel });
        const page = await db.queryEvents({ token: '', size: 100 }, {}, SortOrder.ASCENDING);
        expectProtoList(EventSchema, page.items, asc.map(withChannel));
        const unspecified = await db.queryEvents({ token: '', size: 100 }, {}, SortOrder.UNSPECIFIED);
        expect(ids(unspecified.items)).toEqual(ids(asc));
        const desc = await db.queryEvents({ token: '', size: 100 }, {}, SortOrder.DESCENDING);
        expectProtoList(EventSchema, desc.items, [...asc].reverse().map(withChannel));
      });

      it('filters by asset key, kinds, metadata and inclusive time bounds, page by page, in both directions', async () => {
        const filters: EventFilter[] = [
          {},
          { assetKey: assetA },
          { assetKind: AssetKind.ASSET_COMPUTE_TASK },
          { eventKind: EventKind.EVENT_ASSET_UPDATED },
          { metadata: { reason: 'User action' } },
          { metadata: { reason: 'User action', x: '1' } },
          { metadata: { reason: 'nope' } },
          { start: at(10) },
          { end: at(10) },
          { start: at(5), end: at(10) },
          { assetKey: assetA, start: at(6), end: at(20) },
          { assetKey: assetB, eventKind: EventKind.EVENT_ASSET_DISABLED },
          { assetKind: AssetKind.ASSET_MODEL, start: at(5), end: at(5) },
          { assetKey: uuid() },
        ];
        for (const filter of filters) {
          const matching = events
            .filter(
              (e) =>
                (!filter.assetKey || e.assetKey === filter.assetKey) &&
                (!filter.assetKind || e.assetKind === filter.assetKind) &&
                (!filter.eventKind || e.eventKind === filter.eventKind) &&
                Object.entries(filter.metadata ?? {}).every(([k, v]) => e.metadata[k] === v) &&
                (!filter.start || microsOf(e.timestamp) >= microsOf(filter.start)) &&
                (!filter.end || microsOf(e.timestamp) <= microsOf(filter.end)),
            )
            .sort(ascending);
          for (const sort of [SortOrder.ASCENDING, SortOrder.DESCENDING]) {
            const expected = sort === SortOrder.DESCENDING ? [...matching].reverse() : matching;
            for (const size of [1, 2, 3, 100]) {
              const got = await readAllPages(
                (p) => db.queryEvents(p, filter, sort),
                size,
                (e) => e.id,
              );
              expect(
                ids(got),
                JSON.stringify({ filter, sort, size }, (_, v: unknown) => (typeof v === 'bigint' ? `${v}` : v)),
              ).toEqual(ids(expected));
            }
          }
        }
      });
    });

    describe('page limits', () => {
      async function samples(count: number) {
        const owner = await addOrg();
        const list = Array.from({ length: count }, (_, i) => dataSample(owner, 1 + (i % 7), []));
        await db.addDataSamples(list);
        return keys([...list].sort(byDateThenKey));
      }

      it('skip passes over that many items; the page then carries a token resuming after its last item', async () => {
        const expected = await samples(12);
        const page = await db.queryDataSamples({ token: '', skip: 5, size: 4 }, {});
        expect(keys(page.items)).toEqual(expected.slice(5, 9));
        const rest = await db.queryDataSamples({ token: page.nextToken, size: 10 }, {});
        expect(keys(rest.items)).toEqual(expected.slice(9));
        expect(rest.nextToken).toBe('');
        expect(await db.queryDataSamples({ token: '', skip: 12, size: 4 }, {})).toEqual({ items: [], nextToken: '' });
      });

      it('a page ends before its items pass the byte budget, always holding at least one', async () => {
        const expected = await samples(6);
        const mib = 1024 * 1024;
        const page = await db.queryDataSamples({ token: '', size: 10, byteSize: () => mib }, {});
        expect(keys(page.items)).toEqual(expected.slice(0, 3));
        const rest = await db.queryDataSamples({ token: page.nextToken, size: 10, byteSize: () => mib }, {});
        expect(keys(rest.items)).toEqual(expected.slice(3, 6));
        expect(rest.nextToken).toBe('');
        const huge = await db.queryDataSamples({ token: '', size: 10, byteSize: () => 5 * mib }, {});
        expect(keys(huge.items)).toEqual(expected.slice(0, 1));
        expect(huge.nextToken).not.toBe('');
      });

      it('pages larger than a storage read chunk hold every item once, in order', async () => {
        const expected = await samples(2500);
        const first = await db.queryDataSamples({ token: '', size: 2400 }, {});
        expect(keys(first.items)).toEqual(expected.slice(0, 2400));
        const rest = await db.queryDataSamples({ token: first.nextToken, size: 2400 }, {});
        expect(keys(rest.items)).toEqual(expected.slice(2400));
        expect(rest.nextToken).toBe('');
        const exact = await db.queryDataSamples({ token: '', size: 2500 }, {});
        expect(exact.items).toHaveLength(2500);
        expect(exact.nextToken).toBe('');
      });
    });

    describe('page tokens', () => {
      it('a token the DBAL did not produce is an InvalidAsset error', async () => {
        const owner = await addOrg();
        await db.addComputePlan(plan(owner, 1));
        for (const token of ['%%%', 'not a token', '!!']) {
          const page = { token, size: 10 };
          await expectOrcError(db.queryComputePlans(page, {}), 'InvalidAsset');
          await expectOrcError(db.queryComputeTasks(page, {}), 'InvalidAsset');
          await expectOrcError(db.queryFunctions(page, {}), 'InvalidAsset');
          await expectOrcError(db.queryDataManagers(page), 'InvalidAsset');
          await expectOrcError(db.queryDataSamples(page, {}), 'InvalidAsset');
          await expectOrcError(db.queryPerformances(page, {}), 'InvalidAsset');
          await expectOrcError(db.queryEvents(page, {}, SortOrder.ASCENDING), 'InvalidAsset');
        }
      });
    });
  });
}
