import { create } from '@bufbuild/protobuf';
import { TimestampSchema } from '@bufbuild/protobuf/wkt';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
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
  it('0 means 50; sizes are capped at MAX_PAGE_SIZE; the token is passed through', () => {
    expect(DEFAULT_PAGE_SIZE).toBe(50);
    expect(pageRequest('', 0)).toEqual({ token: '', size: 50 });
    fc.assert(
      fc.property(fc.string(), fc.integer({ min: 1, max: 2 ** 32 - 1 }), (token, size) => {
        expect(pageRequest(token, size)).toEqual({ token, size: Math.min(size, MAX_PAGE_SIZE) });
      }),
    );
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
      expect(seen).toEqual([
        { token: '', size: DEFAULT_PAGE_SIZE },
        { token: 'tok', size: 7 },
        { token: 'tok2', size: MAX_PAGE_SIZE },
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

  it('a token the DBAL did not issue is OE0101', async () => {
    const { h } = await sixtySamples();
    await h.refused('OE0101', () =>
      h.as(ORG1).dataSample.queryDataSamples(create(QueryDataSamplesParamSchema, { pageToken: 'garbage' })),
    );
  });
});
