import { EventSchema, SortOrder, type Event } from '../asset/index.js';
import { internal } from '../errors/index.js';
import type { EventFilter, Page, PageRequest } from '../persistence/index.js';
import { decodeDoc } from './codec.js';
import { getDoc, putDoc, putIndex, usable } from './docs.js';
import { Doc, Index, docKey, indexKey } from './keys.js';
import { decodeToken } from './pagetoken.js';
import { collectPage, compareSort, scanIndex, type Candidate } from './query.js';
import { dateAttr, dateBoundAttr, invertDigits, invertString, isDateAttr, uninvertString } from './sortkey.js';
import type { TxStore } from './store.js';

/**
 * Events are stored once, under [timestamp, id] (which is the ascending order), with the channel left out: a
 * world state belongs to one channel, and the reader fills it in. Two index entries per event: the descending
 * order (inverted timestamp and id, since a range scan only goes forward) and the asset key.
 */
export async function addEvents(store: TxStore, events: Event[]): Promise<void> {
  for (const event of events) {
    if (!usable(event.id)) throw internal('cannot store an event without id');
    const ts = dateAttr(event.timestamp);
    await putDoc(store, EventSchema, docKey(Doc.event, ts, event.id), { ...event, channel: '' });
    await putIndex(store, indexKey(Index.eventsDescending, invertDigits(ts), invertString(event.id)));
    if (usable(event.assetKey)) await putIndex(store, indexKey(Index.eventsByAsset, event.assetKey, ts, event.id));
  }
}

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
 * Index choice: an asset key selects that asset's few events (read, ordered and paged in memory); otherwise the
 * ascending document range or the descending index, seeking to the time bound or the token, stopping at the other
 * bound. Kind and metadata filters are checked on the loaded events, so a selective kind filter makes a page scan
 * many events (cost proportional to the events skipped).
 */
export async function queryEvents(
  store: TxStore,
  channel: string,
  page: PageRequest,
  filter: EventFilter,
  sort: SortOrder,
): Promise<Page<Event>> {
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
  const load = async (ts: string, id: string, bytes?: Uint8Array): Promise<Event | undefined> => {
    const event = bytes ? decodeDoc(EventSchema, bytes) : await getDoc(store, EventSchema, docKey(Doc.event, ts, id));
    if (event) event.channel = channel;
    return event;
  };

  let candidates: AsyncIterable<Candidate<Event>> | Candidate<Event>[];
  if (filter.assetKey) {
    if (!usable(filter.assetKey)) return { items: [], nextToken: '' };
    const list: Candidate<Event>[] = [];
    for await (const hit of scanIndex(store, Index.eventsByAsset, [filter.assetKey])) {
      const [ts, id] = hit.attrs as [string, string];
      if (within(ts, bounds)) list.push({ sort: [ts, id], load: () => load(ts, id) });
    }
    if (descending) list.reverse();
    candidates = after
      ? list.filter((c) => (descending ? compareSort(c.sort, after) < 0 : compareSort(c.sort, after) > 0))
      : list;
  } else {
    candidates = descending ? descendingRange(store, bounds, after, load) : ascendingRange(store, bounds, after, load);
  }
  return collectPage(candidates, page.size, 'event', accept);
}

type Load = (ts: string, id: string, bytes?: Uint8Array) => Promise<Event | undefined>;

async function* ascendingRange(
  store: TxStore,
  bounds: Bounds,
  after: string[] | undefined,
  load: Load,
): AsyncGenerator<Candidate<Event>> {
  const range = {
    ...(after ? { after } : {}),
    ...(bounds.start !== undefined ? { from: [bounds.start] } : {}),
  };
  for await (const hit of scanIndex(store, Doc.event, [], range)) {
    const [ts, id] = hit.attrs as [string, string];
    if (bounds.end !== undefined && ts > bounds.end) return;
    yield { sort: [ts, id], load: () => load(ts, id, hit.value) };
  }
}

async function* descendingRange(
  store: TxStore,
  bounds: Bounds,
  after: string[] | undefined,
  load: Load,
): AsyncGenerator<Candidate<Event>> {
  const range = {
    ...(after ? { after: [invertDigits(after[0] as string), invertString(after[1] as string)] } : {}),
    ...(bounds.end !== undefined ? { from: [invertDigits(bounds.end)] } : {}),
  };
  for await (const hit of scanIndex(store, Index.eventsDescending, [], range)) {
    const ts = invertDigits(hit.attrs[0] as string);
    const id = uninvertString(hit.attrs[1] as string);
    if (bounds.start !== undefined && ts < bounds.start) return;
    if (id === undefined) continue;
    yield { sort: [ts, id], load: () => load(ts, id) };
  }
}
