// Pagination (substra-behaviour §2.16): page_size 0 means 50, tokens are opaque, the last page has an empty token, pages
// never overlap and together hold every item, in the documented order.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Connection } from '../support/client.js';
import type { ComputePlan, ComputeTask } from '../../lib/asset/index.js';
import type { Timestamp } from '@bufbuild/protobuf/wkt';
import { expectMessage, queryAllEvents } from './assertions.js';
import { ComputeTaskSchema } from '../../lib/asset/index.js';
import type { ConformanceContext } from './context.js';
import { checksum, key, seedTask, setupDataset, setupFunction, setupPlan } from './fixtures.js';

interface Page<T> {
  items: T[];
  nextPageToken: string;
}

/** Follows tokens from the first page; returns the pages (the last one has an empty token). */
async function allPages<T>(fetch: (pageToken: string) => Promise<Page<T>>, maxPages = 1000): Promise<Page<T>[]> {
  const pages: Page<T>[] = [];
  let token = '';
  for (let i = 0; i < maxPages; i++) {
    const page = await fetch(token);
    pages.push(page);
    if (page.nextPageToken === '') return pages;
    expect(page.items.length, 'a page with a next token is not empty').toBeGreaterThan(0);
    token = page.nextPageToken;
  }
  throw new Error(`no empty token after ${maxPages} pages`);
}

const micros = (ts: Timestamp | undefined): bigint => (ts ? ts.seconds * 1_000_000n + BigInt(ts.nanos / 1000) : 0n);

/** (creation_date, key) ascending: the order of every asset list (substra-behaviour §2.16). */
function expectCreationOrder(items: { key: string; creationDate?: Timestamp }[]): void {
  for (let i = 1; i < items.length; i++) {
    const a = items[i - 1]!;
    const b = items[i]!;
    const ok =
      micros(a.creationDate) < micros(b.creationDate) ||
      (micros(a.creationDate) === micros(b.creationDate) && a.key < b.key);
    expect(ok, `order at ${i}: ${a.key} then ${b.key}`).toBe(true);
  }
}

export function paginationScenarios(ctx: ConformanceContext): void {
  describe('pagination', () => {
    let plan: ComputePlan;
    let registered: ComputeTask[];
    const TASKS = 100;

    beforeAll(async () => {
      const fn = await setupFunction(ctx.owner, 'model-only');
      plan = await setupPlan(ctx.owner);
      // Two batches (two creation dates), each of 50 tasks sharing one date: the key breaks the ties.
      registered = [];
      for (let batch = 0; batch < 2; batch++) {
        const { tasks } = await ctx.owner.task.registerTasks({
          tasks: Array.from({ length: TASKS / 2 }, () => seedTask({ plan, fn, worker: ctx.topology.worker })),
        });
        registered.push(...tasks);
      }
    });

    const queryTasks = (pageSize: number) => (pageToken: string) =>
      ctx.worker.task
        .queryTasks({ pageSize, pageToken, filter: { computePlanKey: plan.key } })
        .then((r) => ({ items: r.tasks, nextPageToken: r.nextPageToken }));

    it('page_size 0 means 50; a last page that is exactly full has an empty token', async () => {
      const pages = await allPages(queryTasks(0));
      expect(pages.map((p) => p.items.length)).toEqual([50, 50]);
      expect(pages.map((p) => p.nextPageToken === '')).toEqual([false, true]);
    });

    it('pages of 30: 30/30/30/10, no duplicates, every task once, in (creation_date, key) order', async () => {
      const pages = await allPages(queryTasks(30));
      expect(pages.map((p) => p.items.length)).toEqual([30, 30, 30, 10]);
      const all = pages.flatMap((p) => p.items);
      expect(new Set(all.map((t) => t.key)).size).toBe(TASKS);
      expect(all.map((t) => t.key).sort()).toEqual(registered.map((t) => t.key).sort());
      expectCreationOrder(all);
      const byKey = new Map(registered.map((t) => [t.key, t]));
      for (const t of all) expectMessage(ComputeTaskSchema, t, byKey.get(t.key));
    });

    it('a page larger than the result returns everything with an empty token; page size 1 walks one by one', async () => {
      const [only, ...rest] = await allPages(queryTasks(TASKS + 1));
      expect(rest).toEqual([]);
      expect(only?.items).toHaveLength(TASKS);
      const small = await allPages(
        (pageToken) =>
          ctx.worker.task
            .queryTasks({ pageSize: 1, pageToken, filter: { computePlanKey: plan.key, worker: ctx.topology.worker } })
            .then((r) => ({ items: r.tasks, nextPageToken: r.nextPageToken })),
        TASKS + 5,
      );
      expect(small.flatMap((p) => p.items).map((t) => t.key)).toEqual(only?.items.map((t) => t.key));
    });

    it('tokens are stable: the same token gives the same page', async () => {
      const first = await queryTasks(7)('');
      const a = await queryTasks(7)(first.nextPageToken);
      const b = await queryTasks(7)(first.nextPageToken);
      expect(a.items.map((t) => t.key)).toEqual(b.items.map((t) => t.key));
      expect(a.nextPageToken).toBe(b.nextPageToken);
      expect(a.items.map((t) => t.key)).not.toEqual(first.items.map((t) => t.key));
    });

    it('QueryEvents pages an asset’s events (12 profiling steps: 5/5/2) in commit order', async () => {
      const assetKey = key();
      for (let i = 0; i < 12; i++) {
        await ctx.worker.profiling.registerProfilingStep({ assetKey, step: `step-${i}`, duration: i + 1 });
      }
      const pages = await allPages((pageToken) =>
        ctx.owner.event
          .queryEvents({ pageSize: 5, pageToken, filter: { assetKey } })
          .then((r) => ({ items: r.events, nextPageToken: r.nextPageToken })),
      );
      expect(pages.map((p) => p.items.length)).toEqual([5, 5, 2]);
      const steps = pages
        .flatMap((p) => p.items)
        .map((e) => (e.asset.case === 'profilingStep' ? e.asset.value.step : ''));
      // One request each, committed one after the other.
      expect(steps).toEqual(Array.from({ length: 12 }, (_, i) => `step-${i}`));
      const defaultPage = await ctx.owner.event.queryEvents({ filter: { assetKey } });
      expect(defaultPage.events).toHaveLength(12);
      expect(defaultPage.nextPageToken).toBe('');
      expect((await queryAllEvents(ctx.owner, { assetKey })).map((e) => e.id)).toEqual(
        pages.flatMap((p) => p.items).map((e) => e.id),
      );
    });

    it('QueryDataSamples pages a key filter (7 samples by 3)', async () => {
      const { dataManager } = await setupDataset(ctx.owner, { samples: 0 });
      const samples = Array.from({ length: 7 }, () => ({
        key: key(),
        dataManagerKeys: [dataManager.key],
        checksum: checksum(),
      }));
      await ctx.owner.dataSample.registerDataSamples({ samples });
      const keys = samples.map((s) => s.key);
      const pages = await allPages((pageToken) =>
        ctx.owner.dataSample
          .queryDataSamples({ pageSize: 3, pageToken, filter: { keys } })
          .then((r) => ({ items: r.dataSamples, nextPageToken: r.nextPageToken })),
      );
      expect(pages.map((p) => p.items.length)).toEqual([3, 3, 1]);
      const got = pages.flatMap((p) => p.items);
      expect(got.map((s) => s.key)).toEqual([...keys].sort());
    });

    it('unfiltered lists (plans, functions, data managers, data samples) page without duplicates, in order', async () => {
      await setupPlan(ctx.owner);
      await setupFunction(ctx.owner, 'model-only', { ready: false });
      const lists: [string, (t: string) => Promise<Page<{ key: string; creationDate?: Timestamp }>>][] = [
        [
          'plans',
          (t) =>
            ctx.owner.plan
              .queryPlans({ pageSize: 25, pageToken: t })
              .then((r) => ({ items: r.plans, nextPageToken: r.nextPageToken })),
        ],
        [
          'functions',
          (t) =>
            ctx.owner.function
              .queryFunctions({ pageSize: 25, pageToken: t })
              .then((r) => ({ items: r.Functions, nextPageToken: r.nextPageToken })),
        ],
        [
          'data managers',
          (t) =>
            ctx.owner.dataManager
              .queryDataManagers({ pageSize: 25, pageToken: t })
              .then((r) => ({ items: r.dataManagers, nextPageToken: r.nextPageToken })),
        ],
        [
          'data samples',
          (t) =>
            ctx.owner.dataSample
              .queryDataSamples({ pageSize: 25, pageToken: t })
              .then((r) => ({ items: r.dataSamples, nextPageToken: r.nextPageToken })),
        ],
      ];
      for (const [what, fetch] of lists) {
        const all = (await allPages(fetch)).flatMap((p) => p.items);
        expect(all.length, what).toBeGreaterThan(0);
        expect(new Set(all.map((i) => i.key)).size, `${what}: no duplicates`).toBe(all.length);
        expectCreationOrder(all);
      }
      expect((await ctx.owner.plan.queryPlans({})).plans.length).toBeLessThanOrEqual(50);
    });

    describe("Substra's page sizes (its end-to-end suite reads 5,000 of 10,000 tasks in one page)", () => {
      const LARGE_PLAN = 10_000;
      let bigPlan: ComputePlan;
      let inOrder: string[];
      /** A client with grpc's default 4 MiB receive limit, as Substra's backend has: every page must fit it. */
      let plainConnection: Connection;

      beforeAll(async () => {
        plainConnection = new Connection(ctx.address, { defaultLimits: true });
        const fn = await setupFunction(ctx.owner, 'model-only');
        bigPlan = await setupPlan(ctx.owner);
        const all: ComputeTask[] = [];
        for (let batch = 0; batch < LARGE_PLAN / 1000; batch++) {
          const { tasks } = await ctx.owner.task.registerTasks({
            tasks: Array.from({ length: 1000 }, () => seedTask({ plan: bigPlan, fn, worker: ctx.topology.worker })),
          });
          all.push(...tasks);
        }
        // Each batch shares one creation date, and the key breaks ties: the list order (substra-behaviour §2.16).
        inOrder = all
          .sort((a, b) => Number(micros(a.creationDate) - micros(b.creationDate)) || (a.key < b.key ? -1 : 1))
          .map((t) => t.key);
      }, 600_000);

      afterAll(() => plainConnection.close());

      const query = (pageSize: number, pageToken: string) =>
        plainConnection
          .as({ mspid: ctx.topology.owner, channel: ctx.channel })
          .task.queryTasks({ pageSize, pageToken, filter: { computePlanKey: bigPlan.key } });

      it('page_size 5,000 returns 5,000 tasks, then the other 5,000 with an empty token', async () => {
        const first = await query(5000, '');
        expect(first.tasks).toHaveLength(5000);
        expect(first.nextPageToken).not.toBe('');
        const second = await query(5000, first.nextPageToken);
        expect(second.tasks).toHaveLength(5000);
        expect(second.nextPageToken).toBe('');
        expect([...first.tasks, ...second.tasks].map((t) => t.key)).toEqual(inOrder);
      }, 120_000);

      it("a decimal offset token (Substra's) starts the page after that many tasks", async () => {
        const page = await query(100, '9950');
        expect(page.tasks.map((t) => t.key)).toEqual(inOrder.slice(9950));
        expect(page.nextPageToken).toBe('');
        const middle = await query(10, '5000');
        expect(middle.tasks.map((t) => t.key)).toEqual(inOrder.slice(5000, 5010));
        const next = await query(10, middle.nextPageToken);
        expect(next.tasks.map((t) => t.key)).toEqual(inOrder.slice(5010, 5020));
      }, 120_000);

      it('a page the 4 MiB limit cannot hold ends early with a token, and the tokens still cover every task', async () => {
        // 300 tasks of ~20 KB each (100 metadata entries of 100-byte keys and values): 6 MB, more than one message.
        const fn = await setupFunction(ctx.owner, 'model-only');
        const heavyPlan = await setupPlan(ctx.owner);
        const metadata = Object.fromEntries(
          Array.from({ length: 100 }, (_, i) => [String(i).padStart(100, 'k'), 'v'.repeat(100)]),
        );
        const heavy: ComputeTask[] = [];
        // Batches of 25: on Fabric a transaction carries each task several times (request, documents, events,
        // response), and the orderer refuses transactions over 10 MB.
        for (let batch = 0; batch < 12; batch++) {
          const { tasks } = await ctx.owner.task.registerTasks({
            tasks: Array.from({ length: 25 }, () =>
              seedTask({ plan: heavyPlan, fn, worker: ctx.topology.worker, metadata }),
            ),
          });
          heavy.push(...tasks);
        }
        const seen: string[] = [];
        let pageToken = '';
        let pages = 0;
        do {
          // Would fail with RESOURCE_EXHAUSTED on this client if a page passed 4 MiB.
          const page = await plainConnection
            .as({ mspid: ctx.topology.owner, channel: ctx.channel })
            .task.queryTasks({ pageSize: 1000, pageToken, filter: { computePlanKey: heavyPlan.key } });
          expect(page.tasks.length).toBeGreaterThan(0);
          seen.push(...page.tasks.map((t) => t.key));
          pageToken = page.nextPageToken;
          pages++;
        } while (pageToken !== '' && pages < 20);
        expect(pages).toBeGreaterThan(1);
        expect(seen.sort()).toEqual(heavy.map((t) => t.key).sort());
      }, 300_000);
    });
  });
}
