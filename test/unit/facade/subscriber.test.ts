import { create } from '@bufbuild/protobuf';
import { status as Status } from '@grpc/grpc-js';
import { describe, expect, it } from 'vitest';
import { EventHub } from '../../../facade/events/hub.js';
import { subscribe, type PositionedEvent, type PositionedEventStore } from '../../../facade/events/subscriber.js';
import { toGrpcError } from '../../../facade/grpc/errors.js';
import { EventSchema } from '../../../lib/asset/index.js';

/** An events table in memory: positions across channels, "committed" when added. */
class MemoryStore implements PositionedEventStore {
  readonly rows: (PositionedEvent & { channel: string })[] = [];
  reads = 0;
  private next = 1n;

  constructor(private readonly hub: EventHub) {}

  add(channel: string, n = 1, notify = true): string[] {
    const ids: string[] = [];
    let position = 0n;
    for (let i = 0; i < n; i++) {
      position = this.next++;
      const id = crypto.randomUUID();
      ids.push(id);
      this.rows.push({ channel, position, event: create(EventSchema, { id, channel, assetKey: `k${position}` }) });
    }
    if (notify) this.hub.dispatch({ channel, position });
    return ids;
  }

  async positionOf(channel: string, eventId: string): Promise<bigint | undefined> {
    return this.rows.find((r) => r.channel === channel && r.event.id === eventId)?.position;
  }

  async readAfter(channel: string, after: bigint, limit: number): Promise<PositionedEvent[]> {
    this.reads++;
    await new Promise((r) => setTimeout(r, 1));
    return this.rows.filter((r) => r.channel === channel && r.position > after).slice(0, limit);
  }
}

async function take<T>(it: AsyncIterator<T>, n: number): Promise<T[]> {
  const out: T[] = [];
  while (out.length < n) {
    const r = await it.next();
    if (r.done) break;
    out.push(r.value);
  }
  return out;
}

function setup(): { hub: EventHub; store: MemoryStore } {
  const hub = new EventHub();
  return { hub, store: new MemoryStore(hub) };
}

describe('subscribe', () => {
  it('replays the whole channel in batches, then follows live events, without gap or duplicate', async () => {
    const { hub, store } = setup();
    store.add('ch', 7);
    store.add('other', 2);
    const ac = new AbortController();
    const it = subscribe(store, hub, { channel: 'ch', startEventId: '', batchSize: 3, signal: ac.signal })[
      Symbol.asyncIterator
    ]();
    const replay = await take(it, 7);
    expect(replay.map((e) => e.assetKey)).toEqual(['k1', 'k2', 'k3', 'k4', 'k5', 'k6', 'k7']);
    // Live: committed after the replay, notified.
    const pending = take(it, 3);
    store.add('other', 1);
    store.add('ch', 3);
    const live = await pending;
    expect(live.map((e) => e.assetKey)).toEqual(['k11', 'k12', 'k13']);
    expect(live.every((e) => e.channel === 'ch')).toBe(true);
    ac.abort();
    expect((await it.next()).done).toBe(true);
    expect(hub.listenerCount).toBe(0);
  });

  it('starts strictly after start_event_id', async () => {
    const { hub, store } = setup();
    const ids = store.add('ch', 5);
    const ac = new AbortController();
    const it = subscribe(store, hub, { channel: 'ch', startEventId: ids[2] ?? '', batchSize: 100, signal: ac.signal })[
      Symbol.asyncIterator
    ]();
    expect((await take(it, 2)).map((e) => e.id)).toEqual(ids.slice(3));
    ac.abort();
    await it.next();
  });

  it('does not lose an event committed between registration and replay, nor send it twice', async () => {
    const { hub, store } = setup();
    store.add('ch', 2);
    // Committed during the replay read, with its notification arriving while the subscriber is reading.
    const original = store.readAfter.bind(store);
    let injected = false;
    store.readAfter = async (channel, after, limit) => {
      const rows = await original(channel, after, limit);
      if (!injected) {
        injected = true;
        store.add('ch', 1);
      }
      return rows;
    };
    const ac = new AbortController();
    const it = subscribe(store, hub, { channel: 'ch', startEventId: '', batchSize: 100, signal: ac.signal })[
      Symbol.asyncIterator
    ]();
    expect((await take(it, 3)).map((e) => e.assetKey)).toEqual(['k1', 'k2', 'k3']);
    // A late notification for a position already sent costs nothing.
    const reads = store.reads;
    hub.dispatch({ channel: 'ch', position: 3n });
    const next = it.next();
    store.add('ch', 1);
    expect((await next).value?.assetKey).toBe('k4');
    expect(store.reads).toBe(reads + 1);
    ac.abort();
    await it.next();
  });

  it('re-reads after a listener reconnect (notifications may have been lost)', async () => {
    const { hub, store } = setup();
    const ac = new AbortController();
    const it = subscribe(store, hub, { channel: 'ch', startEventId: '', batchSize: 10, signal: ac.signal })[
      Symbol.asyncIterator
    ]();
    const next = it.next();
    await new Promise((r) => setTimeout(r, 10));
    store.add('ch', 1, false);
    hub.resyncAll();
    expect((await next).value?.assetKey).toBe('k1');
    ac.abort();
    await it.next();
  });

  it('serves parallel subscribers identical sequences', async () => {
    const { hub, store } = setup();
    store.add('ch', 4);
    const ac = new AbortController();
    const subs = [1, 2, 3].map(() =>
      subscribe(store, hub, { channel: 'ch', startEventId: '', batchSize: 2, signal: ac.signal })[
        Symbol.asyncIterator
      ](),
    );
    const all = Promise.all(subs.map((s) => take(s, 8)));
    for (let i = 0; i < 4; i++) store.add('ch', 1);
    const seqs = (await all).map((s) => s.map((e) => e.assetKey).join(','));
    expect(new Set(seqs).size).toBe(1);
    expect(seqs[0]).toBe('k1,k2,k3,k4,k5,k6,k7,k8');
    ac.abort();
    await Promise.all(subs.map((s) => s.next()));
    expect(hub.listenerCount).toBe(0);
  });

  it('unknown start id → NOT_FOUND OE0002; malformed → INVALID_ARGUMENT; listener released', async () => {
    const { hub, store } = setup();
    store.add('ch', 1);
    const signal = new AbortController().signal;
    const cases: [string, number, RegExp][] = [
      [crypto.randomUUID(), Status.NOT_FOUND, /^OE0002: /],
      ['not-a-uuid', Status.INVALID_ARGUMENT, /^OE0101: /],
    ];
    for (const [startEventId, code, details] of cases) {
      const it = subscribe(store, hub, { channel: 'ch', startEventId, batchSize: 10, signal })[Symbol.asyncIterator]();
      const err = await it.next().then(
        () => undefined,
        (e: unknown) => e,
      );
      const mapped = toGrpcError(err);
      expect(mapped.code).toBe(code);
      expect(mapped.details).toMatch(details);
      expect(hub.listenerCount).toBe(0);
    }
  });

  it('an event id of another channel is unknown here', async () => {
    const { hub, store } = setup();
    const [id] = store.add('other', 1);
    const it = subscribe(store, hub, {
      channel: 'ch',
      startEventId: id ?? '',
      batchSize: 10,
      signal: new AbortController().signal,
    })[Symbol.asyncIterator]();
    await expect(it.next()).rejects.toThrow(/OE0002/);
  });

  it('a consumer that stops reading releases its listener (return() while suspended)', async () => {
    const { hub, store } = setup();
    store.add('ch', 5);
    const it = subscribe(store, hub, {
      channel: 'ch',
      startEventId: '',
      batchSize: 2,
      signal: new AbortController().signal,
    })[Symbol.asyncIterator]();
    await take(it, 1);
    expect(hub.listenerCount).toBe(1);
    await it.return?.();
    expect(hub.listenerCount).toBe(0);
  });
});
