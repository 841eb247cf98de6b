import { describe, expect, it } from 'vitest';
import { create } from '@bufbuild/protobuf';
import { AssetKind, EventKind, QueryEventsParamSchema, SortOrder } from '../../../lib/asset/index.js';
import { validateQueryEventsParam } from '../../../lib/asset/validation/index.js';
import { expectInvalid } from './helpers.js';

const query = (init: object) => () => validateQueryEventsParam(create(QueryEventsParamSchema, init));

describe('validateQueryEventsParam', () => {
  it('accepts no filter, zero filters, defined enum values and any asset_key', () => {
    expect(query({})).not.toThrow();
    expect(query({ filter: {}, sort: SortOrder.UNSPECIFIED })).not.toThrow();
    expect(
      query({
        filter: {
          assetKey: 'Org1MSP',
          assetKind: AssetKind.ASSET_PROFILING_STEP,
          eventKind: EventKind.EVENT_ASSET_DISABLED,
        },
        sort: SortOrder.DESCENDING,
      }),
    ).not.toThrow();
  });

  it('refuses undefined enum values', () => {
    expectInvalid(
      query({ filter: { assetKind: 2, eventKind: 4 }, sort: 3 }),
      'event',
      ['filter.asset_kind', 'must be a defined AssetKind value (got 2)'],
      ['filter.event_kind', 'got 4'],
      ['sort', 'got 3'],
    );
  });
});
