import { fromBinary, toBinary } from '@bufbuild/protobuf';
import { EventSchema, type Event } from '../asset/index.js';
import { internal } from '../errors/index.js';
import { Keys, positionAttr, positionOfKey, prefixRange } from './keys.js';
import type { LevelWrite } from './levelkv.js';
import type { LevelReader } from './reader.js';

/** An event of the log with its position. */
export interface PositionedEvent {
  event: Event;
  position: bigint;
}

const encoder = new TextEncoder();
const decoder = new TextDecoder();
const MARK = new Uint8Array([1]);

/**
 * The writes that append `events` (ids set, channel `channel`) to the log at positions `first`, `first + 1`, …:
 * the event under its position, its id → position, its asset → position, and its outbox entry. Returned, not
 * applied: they go into the same batch as the world-state writes of the call that emitted them.
 */
export function appendWrites(channel: string, events: readonly Event[], first: bigint): LevelWrite[] {
  const writes: LevelWrite[] = [];
  let position = first;
  for (const event of events) {
    if (event.id === '') throw internal('cannot log an event without id');
    const stored = { ...event, channel };
    writes.push({ type: 'put', key: Keys.event(channel, position), value: toBinary(EventSchema, stored) });
    writes.push({ type: 'put', key: Keys.eventId(channel, event.id), value: encoder.encode(positionAttr(position)) });
    if (event.assetKey !== '' && !event.assetKey.includes('\u0000')) {
      writes.push({ type: 'put', key: Keys.assetEvent(channel, event.assetKey, position), value: MARK });
    }
    writes.push({ type: 'put', key: Keys.outbox(position), value: encoder.encode(channel) });
    position++;
  }
  return writes;
}

export function decodeEvent(bytes: Uint8Array): Event {
  return fromBinary(EventSchema, bytes);
}

/** The position of event `id` of `channel`; undefined when unknown. */
export async function positionOf(reader: LevelReader, channel: string, id: string): Promise<bigint | undefined> {
  const bytes = await reader.get(Keys.eventId(channel, id));
  return bytes === undefined ? undefined : BigInt(decoder.decode(bytes));
}

/** Up to `limit` events of `channel` with position > `after`, in position order. */
export async function readAfter(
  reader: LevelReader,
  channel: string,
  after: bigint,
  limit: number,
): Promise<PositionedEvent[]> {
  const { lt } = prefixRange(Keys.events(channel));
  const out: PositionedEvent[] = [];
  for await (const [key, value] of reader.range({ gt: Keys.event(channel, after), lt, limit })) {
    out.push({ event: decodeEvent(value), position: positionOfKey(key) });
  }
  return out;
}

/**
 * Like {@link readAfter}, but each event as stored: the protobuf encoding of the Event, `channel` set, which is also
 * its wire form (event streams send it without decoding).
 */
export async function readEncodedAfter(
  reader: LevelReader,
  channel: string,
  after: bigint,
  limit: number,
): Promise<{ bytes: Uint8Array; position: bigint }[]> {
  const { lt } = prefixRange(Keys.events(channel));
  const out: { bytes: Uint8Array; position: bigint }[] = [];
  for await (const [key, value] of reader.range({ gt: Keys.event(channel, after), lt, limit })) {
    out.push({ bytes: value, position: positionOfKey(key) });
  }
  return out;
}

/** Up to `limit` events of every channel with position > `after`, in position (= commit) order. */
export async function readOutboxAfter(reader: LevelReader, after: bigint, limit: number): Promise<PositionedEvent[]> {
  const entries: [bigint, string][] = [];
  for await (const [key, value] of reader.range({ gt: Keys.outbox(after), lt: Keys.outboxEnd, limit })) {
    entries.push([positionOfKey(key), decoder.decode(value)]);
  }
  const bodies = await reader.getMany(entries.map(([position, channel]) => Keys.event(channel, position)));
  return entries.map(([position], i) => {
    const bytes = bodies[i];
    if (bytes === undefined) throw internal(`event log: outbox position ${position} has no event`);
    return { event: decodeEvent(bytes), position };
  });
}

/** The last position ever assigned in this folder (0 for a new one): where the counter resumes after a restart. */
export async function lastPosition(reader: LevelReader): Promise<bigint> {
  for await (const [key] of reader.range({ gte: Keys.outboxStart, lt: Keys.outboxEnd, reverse: true, limit: 1 })) {
    return positionOfKey(key);
  }
  return 0n;
}
