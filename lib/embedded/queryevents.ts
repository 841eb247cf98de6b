import { SortOrder, type Event } from '../asset/index.js';
import { collectPage, decodeToken, micros, type Candidate } from '../ledger/index.js';
import type { EventFilter, Page, PageRequest } from '../persistence/index.js';
import { decodeEvent } from './eventlog.js';
import { isPositionAttr, Keys, positionAttr, positionOfKey, prefixRange } from './keys.js';
import type { LevelReader } from './reader.js';

const validSort = (sort: string[]): boolean => sort.length === 1 && isPositionAttr(sort[0] as string);

/**
 * QueryEvents over the channel's event log: the log's order (positions, i.e. commit order, then emission order
 * within a call), which is exactly the order SubscribeToEvents delivers. Timestamps are only filtered on, never
 * sorted by: a wall clock may step backwards (NTP), and the log's order must not change with it. The page token is
 * the last position returned.
 *
 * An asset key reads that asset's positions from its index; every other filter is checked on the decoded events
 * while scanning the log from the token on (cost proportional to the events skipped, as in LedgerDB's own query).
 */
export function queryLogEvents(
  reader: LevelReader,
  channel: string,
  page: PageRequest,
  filter: EventFilter,
  sort: SortOrder,
): Promise<Page<Event>> {
  const after = decodeToken('event-position', page.token, validSort)?.[0];
  const descending = sort === SortOrder.DESCENDING;
  const start = filter.start ? micros(filter.start) : undefined;
  const end = filter.end ? micros(filter.end) : undefined;
  const accept = (e: Event): boolean => {
    const at = micros(e.timestamp);
    return (
      (start === undefined || at >= start) &&
      (end === undefined || at <= end) &&
      (!filter.assetKey || e.assetKey === filter.assetKey) &&
      (!filter.assetKind || e.assetKind === filter.assetKind) &&
      (!filter.eventKind || e.eventKind === filter.eventKind) &&
      Object.entries(filter.metadata ?? {}).every(([k, v]) => Object.hasOwn(e.metadata, k) && e.metadata[k] === v)
    );
  };
  const candidates = filter.assetKey
    ? assetCandidates(reader, channel, filter.assetKey, descending, after)
    : logCandidates(reader, channel, descending, after);
  return collectPage(candidates, page, 'event-position', accept);
}

/** The [gt/lt] bounds of a scan of `prefix` that resumes strictly after `after` in the given direction. */
function bounds(prefix: string, descending: boolean, after: string | undefined) {
  const { gte, lt } = prefixRange(prefix);
  if (after === undefined) return { gte, lt, reverse: descending };
  return descending ? { gte, lt: prefix + after, reverse: true } : { gt: prefix + after, lt };
}

async function* logCandidates(
  reader: LevelReader,
  channel: string,
  descending: boolean,
  after: string | undefined,
): AsyncGenerator<Candidate<Event>> {
  for await (const [key, value] of reader.range(bounds(Keys.events(channel), descending, after))) {
    const event = decodeEvent(value);
    yield { sort: [positionAttr(positionOfKey(key))], load: () => Promise.resolve(event) };
  }
}

async function* assetCandidates(
  reader: LevelReader,
  channel: string,
  assetKey: string,
  descending: boolean,
  after: string | undefined,
): AsyncGenerator<Candidate<Event>> {
  if (assetKey.includes('\u0000')) return; // never indexed (eventlog.ts), so it has no events
  for await (const [key] of reader.range(bounds(Keys.assetEvents(channel, assetKey), descending, after))) {
    const position = positionOfKey(key);
    yield {
      sort: [positionAttr(position)],
      load: async () => {
        const bytes = await reader.get(Keys.event(channel, position));
        return bytes === undefined ? undefined : decodeEvent(bytes);
      },
    };
  }
}
