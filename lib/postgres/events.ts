// Reading events for SubscribeToEvents: where a start id sits, replay after a position, and live notifications.
import { BinaryWriter, WireType } from '@bufbuild/protobuf/wire';
import { EventSchema, type Event } from '../asset/index.js';
import type { DbHandle, ListenOptions, Queryable, Unlisten } from './sql.js';
import { EVENTS_NOTIFY_CHANNEL, toEvent } from './store/events.js';

/** A stored event with its position, the order in which subscribers receive it. */
export interface PositionedEvent {
  event: Event;
  position: bigint;
}

/** What a notification says: events of `channel` up to `position` (included) are committed. */
export interface EventNotification {
  channel: string;
  position: bigint;
}

type Reader = DbHandle | Queryable;

/** Runs a read on a Queryable as is, or on its own autocommit session of a handle. */
function read<T>(db: Reader, fn: (q: Queryable) => Promise<T>): Promise<T> {
  return 'session' in db ? db.session(fn) : fn(db);
}

/** Position of event `eventId` in `channel`; undefined when the channel has no such event. */
export async function eventPosition(db: Reader, channel: string, eventId: string): Promise<bigint | undefined> {
  const rows = await read(db, (q) =>
    q.query<{ position: string }>('SELECT position::text AS position FROM events WHERE channel = $1 AND id = $2', [
      channel,
      eventId,
    ]),
  );
  const row = rows[0];
  return row ? BigInt(row.position) : undefined;
}

/** Up to `limit` events of `channel` with a position strictly greater than `after`, in position order. */
export async function readEventsAfter(
  db: Reader,
  channel: string,
  after: bigint,
  limit: number,
): Promise<PositionedEvent[]> {
  const rows = await read(db, (q) =>
    q.query(
      // Ordered by the bigint column, not by the text alias (which would sort "10" before "9").
      'SELECT e.event, e.channel, e.position::text AS pos FROM events e ' +
        'WHERE e.channel = $1 AND e.position > $2::bigint ORDER BY e.position LIMIT $3',
      [channel, after.toString(), limit],
    ),
  );
  return rows.map((row) => ({ event: toEvent(row), position: BigInt(String(row.pos)) }));
}

const CHANNEL_FIELD = EventSchema.field.channel.number;

/**
 * Like {@link readEventsAfter}, each event in its wire form: the stored encoding followed by the `channel` field.
 * Protobuf decoders merge fields in any order and keep the last value of a repeated scalar, so the concatenation
 * decodes to the stored event with the row's channel, exactly what readEventsAfter returns, without decoding it.
 */
export async function readEncodedEventsAfter(
  db: Reader,
  channel: string,
  after: bigint,
  limit: number,
): Promise<{ bytes: Uint8Array; position: bigint }[]> {
  const rows = await read(db, (q) =>
    q.query<{ event: Uint8Array; pos: string }>(
      'SELECT e.event, e.position::text AS pos FROM events e ' +
        'WHERE e.channel = $1 AND e.position > $2::bigint ORDER BY e.position LIMIT $3',
      [channel, after.toString(), limit],
    ),
  );
  const suffix = new BinaryWriter().tag(CHANNEL_FIELD, WireType.LengthDelimited).string(channel).finish();
  return rows.map((row) => {
    const bytes = new Uint8Array(row.event.length + suffix.length);
    bytes.set(row.event);
    bytes.set(suffix, row.event.length);
    return { bytes, position: BigInt(row.pos) };
  });
}

/** Parses a NOTIFY payload of the events channel; undefined for anything else (never throws). */
function parseNotification(payload: string): EventNotification | undefined {
  try {
    const value: unknown = JSON.parse(payload);
    if (typeof value !== 'object' || value === null) return undefined;
    const { channel, position } = value as { channel?: unknown; position?: unknown };
    if (typeof channel !== 'string' || typeof position !== 'string' || !/^\d+$/.test(position)) return undefined;
    return { channel, position: BigInt(position) };
  } catch {
    return undefined;
  }
}

/**
 * Calls onNotify for each committed event batch (all channels; filter on `channel`). On PostgreSQL this holds one
 * dedicated connection that reconnects by itself; `onReconnect` then tells the subscriber to re-read, since
 * notifications sent while disconnected are lost.
 */
export function listenEvents(
  handle: DbHandle,
  onNotify: (n: EventNotification) => void,
  options?: ListenOptions,
): Promise<Unlisten> {
  return handle.listen(
    EVENTS_NOTIFY_CHANNEL,
    (payload) => {
      const n = parseNotification(payload);
      if (n) onNotify(n);
    },
    options,
  );
}
