// Event storage. Positions: every event gets a `position`, unique across channels, such that positions become
// visible in commit order and a position is never filled in after a higher one became visible (subscribers read
// "everything after the last position I sent" and must not miss anything).
//
// How: just before inserting, the transaction takes a transaction-level advisory lock (EVENTS_LOCK_KEY), held until
// COMMIT/ROLLBACK; the positions come from `events_position_seq`, which only ever advances under that lock. A second
// writer therefore allocates only after the first one's commit is visible (PostgreSQL releases locks after marking
// the transaction committed) or after it rolled back, so allocation order = commit order. A rolled-back writer
// leaves a gap that is never filled (harmless: readers never wait for a position).
//
// Why not Substra's `LOCK TABLE events IN SHARE ROW EXCLUSIVE MODE` + `MAX(position) + 1`: in a SERIALIZABLE
// transaction the snapshot is taken at its first statement, before the lock, so MAX is stale whenever another
// writer committed in between, and PostgreSQL aborts the second writer (40001, measured on PG 15): every pair of
// concurrent writers costs a retry. The sequence is read outside snapshots, so concurrent writers only queue for
// the short tail of their transaction. And an advisory lock, unlike that table lock, does not conflict with
// autovacuum (which would stall writers until it is cancelled) nor with readers.
//
// Writes of one channel are already serialised (runInTransaction's exclusiveKey), but positions are global: writers
// of different channels still run concurrently, so this lock is what keeps allocation order = commit order across
// channels. It is taken last and held only for the tail of a transaction; the channel lock is never waited for
// inside a transaction (only tried, by the first statement), so the two cannot deadlock.
import { EventSchema, SortOrder, type Event } from '../../asset/index.js';
import type { EventStore } from '../../persistence/index.js';
import { decode, encode, timestampToSql } from '../codec.js';
import type { Row } from '../sql.js';
import { keysetPage, Params, type Ctx } from './common.js';

/** Advisory lock serialising position allocation ('orcevnt' in ASCII). */
const EVENTS_LOCK_KEY = '31369493644471924';

/** LISTEN/NOTIFY channel carrying `{"channel": <channel>, "position": "<last position of the batch>"}`. */
export const EVENTS_NOTIFY_CHANNEL = 'events';

/** Decodes a stored event; `channel` is filled from the row (stored events do not rely on it being set). */
export function toEvent(row: Row): Event {
  const event = decode(EventSchema, row.event);
  event.channel = String(row.channel);
  return event;
}

export function eventStore(ctx: Ctx): EventStore {
  return {
    /** Stores events in the given (emission) order, with their positions, and notifies listeners at commit. */
    async addEvents(events) {
      if (events.length === 0) return;
      await ctx.q.query('SELECT pg_advisory_xact_lock($1::bigint)', [EVENTS_LOCK_KEY]);
      // One statement: reserve n consecutive positions (nextval + setval; nobody else touches the sequence while we
      // hold the lock), insert the batch numbered in array order, and queue one NOTIFY (delivered at commit, in
      // commit order).
      await ctx.q.query(
        'WITH alloc AS (' +
          "  SELECT setval('events_position_seq', nextval('events_position_seq') + $2::int - 1) AS last" +
          '), ins AS (' +
          '  INSERT INTO events (position, channel, id, asset_key, asset_kind, event_kind, emitted_at, metadata, event)' +
          '  SELECT alloc.last - $2::int + e.ord, $1, e.id, e.asset_key, e.asset_kind, e.event_kind, e.emitted_at, e.metadata, e.event' +
          '  FROM alloc, unnest($3::text[], $4::text[], $5::int[], $6::int[], $7::timestamptz[], $8::jsonb[], $9::bytea[])' +
          '    WITH ORDINALITY AS e(id, asset_key, asset_kind, event_kind, emitted_at, metadata, event, ord)' +
          ') ' +
          `SELECT last::text AS last, pg_notify('${EVENTS_NOTIFY_CHANNEL}', ` +
          "  json_build_object('channel', $1::text, 'position', last::text)::text) FROM alloc",
        [
          ctx.channel,
          events.length,
          events.map((e) => e.id),
          events.map((e) => e.assetKey),
          events.map((e) => e.assetKind),
          events.map((e) => e.eventKind),
          events.map((e) => timestampToSql(e.timestamp)),
          events.map((e) => JSON.stringify(e.metadata)),
          events.map((e) => encode(EventSchema, e)),
        ],
      );
    },

    queryEvents(page, filter, sort) {
      const params = new Params();
      const where = [`e.channel = ${params.add(ctx.channel)}`];
      if (filter.assetKey !== undefined && filter.assetKey !== '')
        where.push(`e.asset_key = ${params.add(filter.assetKey)}`);
      if (filter.assetKind) where.push(`e.asset_kind = ${params.add(filter.assetKind)}`);
      if (filter.eventKind) where.push(`e.event_kind = ${params.add(filter.eventKind)}`);
      if (filter.metadata && Object.keys(filter.metadata).length > 0) {
        where.push(`e.metadata @> ${params.add(JSON.stringify(filter.metadata))}::jsonb`);
      }
      if (filter.start) where.push(`e.emitted_at >= ${params.add(timestampToSql(filter.start))}::timestamptz`);
      if (filter.end) where.push(`e.emitted_at <= ${params.add(timestampToSql(filter.end))}::timestamptz`);
      const desc = sort === SortOrder.DESCENDING;
      return keysetPage(ctx.q, {
        select: 'e.event, e.channel',
        from: 'events e',
        where,
        params,
        // Positions are commit order, the order SubscribeToEvents delivers; the events of one call share a timestamp.
        order: [{ column: 'e.position', desc }],
        firstIsBigint: true,
        page,
        decode: toEvent,
      });
    },
  };
}
