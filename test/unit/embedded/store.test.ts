// EmbeddedStore: one synced batch per write or nothing, snapshot reads, and the event log's order (positions, not
// timestamps) for QueryEvents, the stream and the outbox.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { EventKind, SortOrder, type Event } from '../../../lib/asset/index.js';
import { EmbeddedStore } from '../../../lib/embedded/index.js';
import type { EventFilter } from '../../../lib/persistence/index.js';
import { at, event, fn, uuid } from '../ledger/dbal-fixtures.js';
import { tempDir } from './leveldb.js';

const channel = 'mychannel';
let folder: ReturnType<typeof tempDir>;
let store: EmbeddedStore;

beforeEach(async () => {
  folder = tempDir();
  store = await EmbeddedStore.open(folder.dir);
});
afterEach(async () => {
  await store.close();
  folder.remove();
});

/** Appends `events` in one write, as a call emitting them would. */
const log = (events: Event[]): Promise<void> => store.write(channel, (dbal) => dbal.addEvents(events));

async function query(filter: EventFilter, sort: SortOrder, size = 2): Promise<string[]> {
  const ids: string[] = [];
  let token = '';
  do {
    const page = await store.read(channel, (dbal) => dbal.queryEvents({ token, size }, filter, sort));
    ids.push(...page.items.map((e) => e.id));
    token = page.nextToken;
  } while (token !== '');
  return ids;
}

describe('EmbeddedStore', () => {
  it('orders events by position in every query, whatever their timestamps, and filters them', async () => {
    const a = uuid();
    // Timestamps deliberately out of order: a clock that stepped back must not reorder the log.
    const first = [event({ assetKey: a, at: 50 }), event({ assetKey: uuid(), at: 10, metadata: { k: 'v' } })];
    const second = [event({ assetKey: a, at: 5, eventKind: EventKind.EVENT_ASSET_UPDATED })];
    await log(first);
    await log(second);
    const all = [...first, ...second].map((e) => e.id);
    expect(await query({}, SortOrder.ASCENDING)).toEqual(all);
    expect(await query({}, SortOrder.UNSPECIFIED, 100)).toEqual(all);
    expect(await query({}, SortOrder.DESCENDING)).toEqual([...all].reverse());
    expect(await query({ assetKey: a }, SortOrder.ASCENDING, 1)).toEqual([all[0], all[2]]);
    expect(await query({ assetKey: a }, SortOrder.DESCENDING, 1)).toEqual([all[2], all[0]]);
    expect(await query({ eventKind: EventKind.EVENT_ASSET_UPDATED }, SortOrder.ASCENDING)).toEqual([all[2]]);
    expect(await query({ metadata: { k: 'v' } }, SortOrder.ASCENDING)).toEqual([all[1]]);
    expect(await query({ start: at(6), end: at(50) }, SortOrder.ASCENDING)).toEqual([all[0], all[1]]);
    // The stream and the outbox read the same order.
    expect((await store.readAfter(channel, 0n, 10)).map((p) => p.event.id)).toEqual(all);
    expect((await store.readOutboxAfter(0n, 10)).map((p) => p.event.id)).toEqual(all);
    const second1 = await store.positionOf(channel, all[1] as string);
    expect((await store.readAfter(channel, second1 as bigint, 10)).map((p) => p.event.id)).toEqual([all[2]]);
  });

  it('writes nothing for a call that fails, and everything for one that succeeds', async () => {
    const ok = fn('MyOrg1MSP', 1);
    const lost = fn('MyOrg1MSP', 2);
    await expect(
      store.write(channel, async (dbal) => {
        await dbal.addFunction(lost);
        await dbal.addEvents([event({ assetKey: lost.key, at: 2 })]);
        throw new Error('the service refused');
      }),
    ).rejects.toThrow(/refused/);
    await store.write(channel, async (dbal) => {
      await dbal.addFunction(ok);
      await dbal.addEvents([event({ assetKey: ok.key, at: 1 })]);
    });
    expect(await store.read(channel, (dbal) => dbal.getFunction(lost.key))).toBeUndefined();
    expect((await store.read(channel, (dbal) => dbal.getFunction(ok.key)))?.key).toBe(ok.key);
    expect((await store.readOutboxAfter(0n, 10)).map((p) => p.event.assetKey)).toEqual([ok.key]);
  });

  it('keeps a read on the state it started with while a write commits', async () => {
    const early = fn('MyOrg1MSP', 1);
    await store.write(channel, (dbal) => dbal.addFunction(early));
    let release: () => void = () => undefined;
    const paused = new Promise<void>((resolve) => (release = resolve));
    const reading = store.read(channel, async (dbal) => {
      await paused;
      return dbal.queryFunctions({ token: '', size: 10 }, {});
    });
    await store.write(channel, (dbal) => dbal.addFunction(fn('MyOrg1MSP', 2)));
    release();
    expect((await reading).items.map((f) => f.key)).toEqual([early.key]);
  });

  it('resumes positions and keeps the outbox cursor after a reopen, never moving the cursor back', async () => {
    await log([event({ assetKey: uuid(), at: 1 })]);
    await store.saveCursor('amqp', 1n);
    await store.saveCursor('amqp', 0n);
    await store.close();
    store = await EmbeddedStore.open(folder.dir);
    expect(await store.loadCursor('amqp')).toBe(1n);
    await log([event({ assetKey: uuid(), at: 1 })]);
    expect((await store.readOutboxAfter(0n, 10)).map((p) => p.position)).toEqual([1n, 2n]);
  });
});
