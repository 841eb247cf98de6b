import { create } from '@bufbuild/protobuf';
import { EventSchema, QueryEventsResponseSchema, SortOrder, type Event } from '../asset/index.js';
import { internal } from '../errors/index.js';
import type { EventStore } from '../persistence/index.js';
import { decodeDoc, encodeDoc } from './codec.js';
import { getDoc, putIndex, usable } from './docs.js';
import { Doc, Index, docKey, indexKey } from './keys.js';
import { decodeToken } from './pagetoken.js';
import { collectPage, compareSort, scanIndex, type Candidate } from './query.js';
import { dateAttr, dateBoundAttr, invertDigits, invertString, isDateAttr, uninvertString } from './sortkey.js';
import type { TxStore } from './store.js';

const byId = (a: Event, b: Event): number => compareSort([a.id], [b.id]);

const validSort = (sort: string[]): boolean =>
  sort.length === 2 && isDateAttr(sort[0] as string) && (sort[1] as string).length > 0;

interface Bounds {
  start?: string;
  end?: string;
}

function within(ts: string, b: Bounds): boolean {
  return (b.start === undefined || ts >= b.start) && (b.end === undefined || ts <= b.end);
}

/**
 * Events are written in groups: the events of one call that share a timestamp (all the events of a chaincode
 * transaction: they carry its timestamp) go into one document under [timestamp, smallest id], with one entry of the
 * descending index per group. A transaction registering 1,000 tasks thus writes 1,002 keys for its events instead of
 * 3,000, and every key is one round trip between chaincode and peer, the cost that bounds a large transaction.
 * Each event also has an entry under its asset key holding the event itself, so that an asset's history is read
 * without decoding whole groups.
 *
 * The order stays timestamp then id: a group keeps its events sorted by id, and a reader merges all the groups of
 * one timestamp (normally one). The channel is left out, as a world state belongs to one channel; readers fill it in.
 */
export function eventStore(store: TxStore, channel: string): EventStore {
  return {
    async addEvents(events) {
      const groups = new Map<string, Event[]>();
      for (const event of events) {
        if (!usable(event.id)) throw internal('cannot store an event without id');
        const ts = dateAttr(event.timestamp);
        const group = groups.get(ts) ?? [];
        group.push({ ...event, channel: '' });
        groups.set(ts, group);
      }
      for (const [ts, group] of groups) {
        group.sort(byId);
        const first = (group[0] as Event).id;
        const doc = create(QueryEventsResponseSchema, { events: group });
        await store.put(docKey(Doc.event, ts, first), encodeDoc(QueryEventsResponseSchema, doc));
        await putIndex(store, indexKey(Index.eventsDescending, invertDigits(ts), invertString(first)));
        for (const event of group) {
          if (!usable(event.assetKey)) continue;
          await store.put(indexKey(Index.eventsByAsset, event.assetKey, ts, event.id), encodeDoc(EventSchema, event));
        }
      }
    },

    /**
     * Index choice: an asset key selects that asset's few events (read from the asset index, ordered and paged in
     * memory); otherwise the group documents in ascending order, or the descending group index, seeking to the time
     * bound or the token, stopping at the other bound. Kind and metadata filters are checked on the decoded events,
     * so a selective kind filter makes a page scan many events (cost proportional to the events skipped).
     */
    async queryEvents(page, filter, sort) {
      const after = decodeToken('event', page.token, validSort);
      const descending = sort === SortOrder.DESCENDING;
      const bounds: Bounds = {
        ...(filter.start ? { start: dateBoundAttr(filter.start) } : {}),
        ...(filter.end ? { end: dateBoundAttr(filter.end) } : {}),
      };
      const accept = (e: Event): boolean =>
        (!filter.assetKind || e.assetKind === filter.assetKind) &&
        (!filter.eventKind || e.eventKind === filter.eventKind) &&
        Object.entries(filter.metadata ?? {}).every(([k, v]) => Object.hasOwn(e.metadata, k) && e.metadata[k] === v);
      const withChannel = (event: Event): Event => {
        event.channel = channel;
        return event;
      };

      let candidates: AsyncIterable<Candidate<Event>> | Candidate<Event>[];
      if (filter.assetKey) {
        if (!usable(filter.assetKey)) return { items: [], nextToken: '' };
        const list: Candidate<Event>[] = [];
        for await (const hit of scanIndex(store, Index.eventsByAsset, [filter.assetKey])) {
          const [ts, id] = hit.attrs as [string, string];
          const bytes = hit.value;
          if (within(ts, bounds))
            list.push({ sort: [ts, id], load: () => Promise.resolve(withChannel(decodeDoc(EventSchema, bytes))) });
        }
        if (descending) list.reverse();
        candidates = after
          ? list.filter((c) => (descending ? compareSort(c.sort, after) < 0 : compareSort(c.sort, after) > 0))
          : list;
      } else {
        const groups = descending ? descendingGroups(store, bounds, after) : ascendingGroups(store, bounds, after);
        candidates = eventsOf(groups, descending, after, withChannel);
      }
      return collectPage(candidates, page, 'event', accept);
    },
  };
}

/** The events of one timestamp: every group written at that instant, merged. */
interface Instant {
  ts: string;
  events: Event[];
}

/** Each instant's events in order, skipping those not strictly beyond the token. */
async function* eventsOf(
  instants: AsyncIterable<Instant>,
  descending: boolean,
  after: string[] | undefined,
  withChannel: (e: Event) => Event,
): AsyncGenerator<Candidate<Event>> {
  for await (const { ts, events } of instants) {
    events.sort(byId);
    if (descending) events.reverse();
    for (const event of events) {
      const sort = [ts, event.id];
      if (after && (descending ? compareSort(sort, after) >= 0 : compareSort(sort, after) <= 0)) continue;
      yield { sort, load: () => Promise.resolve(withChannel(event)) };
    }
  }
}

function decodeGroup(bytes: Uint8Array): Event[] {
  return decodeDoc(QueryEventsResponseSchema, bytes).events;
}

async function* ascendingGroups(store: TxStore, bounds: Bounds, after: string[] | undefined): AsyncGenerator<Instant> {
  // The token's instant is read again from its start: its remaining events live in the same groups.
  let from = after?.[0];
  if (bounds.start !== undefined && (from === undefined || bounds.start > from)) from = bounds.start;
  let current: Instant | undefined;
  for await (const hit of scanIndex(store, Doc.event, [], from !== undefined ? { from: [from] } : {})) {
    const ts = hit.attrs[0] as string;
    if (bounds.end !== undefined && ts > bounds.end) break;
    if (current && current.ts !== ts) yield current;
    if (!current || current.ts !== ts) current = { ts, events: [] };
    current.events.push(...decodeGroup(hit.value));
  }
  if (current) yield current;
}

async function* descendingGroups(store: TxStore, bounds: Bounds, after: string[] | undefined): AsyncGenerator<Instant> {
  let from = after?.[0];
  if (bounds.end !== undefined && (from === undefined || bounds.end < from)) from = bounds.end;
  let current: Instant | undefined;
  const range = from !== undefined ? { from: [invertDigits(from)] } : {};
  for await (const hit of scanIndex(store, Index.eventsDescending, [], range)) {
    const ts = invertDigits(hit.attrs[0] as string);
    const first = uninvertString(hit.attrs[1] as string);
    if (bounds.start !== undefined && ts < bounds.start) break;
    if (first === undefined) continue;
    if (current && current.ts !== ts) yield current;
    if (!current || current.ts !== ts) current = { ts, events: [] };
    const group = await getDoc(store, QueryEventsResponseSchema, docKey(Doc.event, ts, first));
    if (group) current.events.push(...group.events);
  }
  if (current) yield current;
}
