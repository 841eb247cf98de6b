import { create, toBinary } from '@bufbuild/protobuf';
import { TimestampSchema } from '@bufbuild/protobuf/wkt';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  ComputeTaskSchema,
  QueryDataManagersParamSchema,
  QueryDataSamplesParamSchema,
  QueryEventsParamSchema,
  QueryFunctionsParamSchema,
  QueryPerformancesParamSchema,
  QueryPlansParamSchema,
  QueryTasksParamSchema,
  RegisterDataSamplesParamSchema,
} from '../../../lib/asset/index.js';
import type { DBAL, PageRequest } from '../../../lib/persistence/index.js';
import { DEFAULT_PAGE_SIZE, EventBuffer, fixedClock, MAX_PAGE_SIZE, Provider } from '../../../lib/service/index.js';
import { pageRequest } from '../../../lib/service/paging.js';
import { newDataSample, ORG1 } from './fixtures.js';
import { Harness } from './harness.js';

describe('pageRequest', () => {
  const plain = (page: PageRequest) => ({ token: page.token, skip: page.skip, size: page.size });

  it('0 means 50; any size up to MAX_PAGE_SIZE is honoured; our tokens are passed through', () => {
    expect(DEFAULT_PAGE_SIZE).toBe(50);
    expect(plain(pageRequest('', 0, ComputeTaskSchema))).toEqual({ token: '', skip: undefined, size: 50 });
    expect(pageRequest('', 5000, ComputeTaskSchema).size).toBe(5000);
    fc.assert(
      fc.property(fc.string(), fc.integer({ min: 1, max: 2 ** 32 - 1 }), (token, size) => {
        fc.pre(!/^\d+$/.test(token));
        expect(plain(pageRequest(token, size, ComputeTaskSchema))).toEqual({
          token,
          skip: undefined,
          size: Math.min(size, MAX_PAGE_SIZE),
        });
      }),
    );
  });

  it("reads Substra's decimal page tokens as offsets", () => {
    expect(plain(pageRequest('5000', 5000, ComputeTaskSchema))).toEqual({ token: '', skip: 5000, size: 5000 });
    expect(plain(pageRequest('0', 10, ComputeTaskSchema))).toEqual({ token: '', skip: 0, size: 10 });
  });

  it('weighs items with the listed schema', () => {
    const page = pageRequest('', 1, ComputeTaskSchema);
    const task = create(ComputeTaskSchema, { key: 'k'.repeat(100) });
    expect(page.byteSize?.(task)).toBe(toBinary(ComputeTaskSchema, task).length);
  });
});

describe('every Query RPC normalises the page and returns the DBAL token', () => {
  /** A Provider whose DBAL records the page request of any query* call and answers an empty page. */
  function spy() {
    const seen: PageRequest[] = [];
    const dbal = new Proxy({} as DBAL, {
      get: (_, name: string) => (page: PageRequest) => {
        if (!name.startsWith('query')) throw new Error(`unexpected DBAL call ${name}`);
        seen.push(page);
        return Promise.resolve({ items: [], nextToken: 'next!' });
      },
    });
    const p = new Provider({
      dbal,
      clock: fixedClock(create(TimestampSchema)),
      events: new EventBuffer(),
      requester: ORG1,
      channel: 'c',
    });
    return { p, seen };
  }

  const queries: [string, (p: Provider, pageToken: string, pageSize: number) => Promise<{ nextPageToken: string }>][] =
    [
      [
        'QueryFunctions',
        (p, pageToken, pageSize) =>
          p.function.queryFunctions(create(QueryFunctionsParamSchema, { pageToken, pageSize })),
      ],
      [
        'QueryDataManagers',
        (p, pageToken, pageSize) =>
          p.dataManager.queryDataManagers(create(QueryDataManagersParamSchema, { pageToken, pageSize })),
      ],
      [
        'QueryDataSamples',
        (p, pageToken, pageSize) =>
          p.dataSample.queryDataSamples(create(QueryDataSamplesParamSchema, { pageToken, pageSize })),
      ],
      [
        'QueryPlans',
        (p, pageToken, pageSize) => p.computePlan.queryPlans(create(QueryPlansParamSchema, { pageToken, pageSize })),
      ],
      [
        'QueryTasks',
        (p, pageToken, pageSize) => p.computeTask.queryTasks(create(QueryTasksParamSchema, { pageToken, pageSize })),
      ],
      [
        'QueryPerformances',
        (p, pageToken, pageSize) =>
          p.performance.queryPerformances(create(QueryPerformancesParamSchema, { pageToken, pageSize })),
      ],
      [
        'QueryEvents',
        (p, pageToken, pageSize) => p.event.queryEvents(create(QueryEventsParamSchema, { pageToken, pageSize })),
      ],
    ];
  for (const [name, call] of queries) {
    it(name, async () => {
      const { p, seen } = spy();
      const answers = [await call(p, '', 0), await call(p, 'tok', 7), await call(p, 'tok2', MAX_PAGE_SIZE + 1)];
      expect(seen.map((page) => [page.token, page.size, typeof page.byteSize])).toEqual([
        ['', DEFAULT_PAGE_SIZE, 'function'],
        ['tok', 7, 'function'],
        ['tok2', MAX_PAGE_SIZE, 'function'],
      ]);
      for (const a of answers) expect(a.nextPageToken).toBe('next!');
    });
  }
});

describe('paging end to end over LedgerDB', () => {
  async function sixtySamples() {
    const h = new Harness();
    await h.orgs(ORG1);
    const samples = Array.from({ length: 60 }, () => newDataSample([]));
    await h.as(ORG1).dataSample.registerDataSamples(create(RegisterDataSamplesParamSchema, { samples }));
    return { h, keys: samples.map((s) => s.key).sort() };
  }

  it('page size 0 gives 50 items and a token; the token gives the rest and an empty token', async () => {
    const { h, keys } = await sixtySamples();
    const first = await h.as(ORG1).dataSample.queryDataSamples(create(QueryDataSamplesParamSchema));
    expect(first.dataSamples).toHaveLength(50);
    expect(first.nextPageToken).not.toBe('');
    const second = await h
      .as(ORG1)
      .dataSample.queryDataSamples(create(QueryDataSamplesParamSchema, { pageToken: first.nextPageToken }));
    expect(second.dataSamples).toHaveLength(10);
    expect(second.nextPageToken).toBe('');
    expect([...first.dataSamples, ...second.dataSamples].map((s) => s.key)).toEqual(keys);
  });

  it('following tokens with any page size visits every item once, in order', async () => {
    const { h, keys } = await sixtySamples();
    await fc.assert(
      fc.asyncProperty(fc.integer({ min: 1, max: 70 }), async (pageSize) => {
        const seen: string[] = [];
        let pageToken = '';
        let pages = 0;
        do {
          const page = await h
            .as(ORG1)
            .dataSample.queryDataSamples(create(QueryDataSamplesParamSchema, { pageToken, pageSize }));
          expect(page.dataSamples.length).toBeLessThanOrEqual(pageSize);
          seen.push(...page.dataSamples.map((s) => s.key));
          pageToken = page.nextPageToken;
          pages++;
        } while (pageToken !== '' && pages < 100);
        expect(seen).toEqual(keys);
      }),
      { numRuns: 15 },
    );
  });

  it('an offset token starts after that many items, and its page carries one of our tokens', async () => {
    const { h, keys } = await sixtySamples();
    const page = await h
      .as(ORG1)
      .dataSample.queryDataSamples(create(QueryDataSamplesParamSchema, { pageToken: '25', pageSize: 20 }));
    expect(page.dataSamples.map((s) => s.key)).toEqual(keys.slice(25, 45));
    const rest = await h
      .as(ORG1)
      .dataSample.queryDataSamples(
        create(QueryDataSamplesParamSchema, { pageToken: page.nextPageToken, pageSize: 50 }),
      );
    expect(rest.dataSamples.map((s) => s.key)).toEqual(keys.slice(45));
    expect(rest.nextPageToken).toBe('');
    const past = await h
      .as(ORG1)
      .dataSample.queryDataSamples(create(QueryDataSamplesParamSchema, { pageToken: '60', pageSize: 5 }));
    expect(past).toMatchObject({ dataSamples: [], nextPageToken: '' });
  });

  it('a token the DBAL did not issue is OE0101', async () => {
    const { h } = await sixtySamples();
    await h.refused('OE0101', () =>
      h.as(ORG1).dataSample.queryDataSamples(create(QueryDataSamplesParamSchema, { pageToken: 'garbage' })),
    );
  });
});
