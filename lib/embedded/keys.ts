/**
 * The layout of the one LevelDB of a data folder. Keys are UTF-8 strings compared by their bytes (LevelDB's default
 * comparator), which is the order `compareKeys` states for world-state keys. The first character names a
 * namespace; a channel name is followed by U+0000, which no channel name contains (checked), so one channel's range
 * never overlaps another's ("ch" vs "ch2": "ch\u0000…" < "ch\u0001" <= "ch2…").
 *
 * | key                                         | value                         |
 * |---------------------------------------------|-------------------------------|
 * | `w` channel U+0000 world-state key          | LedgerDB's documents, indexes |
 * | `e` channel U+0000 position                 | the event (protobuf)          |
 * | `i` channel U+0000 event id                 | the event's position          |
 * | `a` channel U+0000 asset key U+0000 position | 1 byte: an asset's events     |
 * | `o` position                                | the event's channel (outbox)  |
 * | `m` name                                    | metadata (the AMQP cursor)    |
 *
 * Positions come from one counter for the whole folder, assigned in commit order (writes are serialized), so the
 * `o` range is the outbox in commit order and each channel's `e` range is its log in the same order.
 */

const SEP = '\u0000';
/** The character after SEP: `prefix.slice(0, -1) + AFTER` bounds every key starting with `prefix`. */
const AFTER = '\u0001';
const POSITION_WIDTH = 20;

/** A channel's part of a namespace: refuses names that would break the prefix-freedom above. */
function scoped(namespace: string, channel: string): string {
  if (channel.includes(SEP)) throw new Error(`channel name ${JSON.stringify(channel)} contains U+0000`);
  return namespace + channel + SEP;
}

/** [gte, lt) of every key starting with `prefix`, which must end with SEP. */
export function prefixRange(prefix: string): { gte: string; lt: string } {
  return { gte: prefix, lt: prefix.slice(0, -1) + AFTER };
}

/** Zero-padded decimal, so that string (byte) order is numeric order. */
export function positionAttr(position: bigint): string {
  return position.toString().padStart(POSITION_WIDTH, '0');
}

export function isPositionAttr(s: string): boolean {
  return s.length === POSITION_WIDTH && /^[0-9]+$/.test(s);
}

export const Keys = {
  worldState: (channel: string): string => scoped('w', channel),
  event: (channel: string, position: bigint): string => scoped('e', channel) + positionAttr(position),
  events: (channel: string): string => scoped('e', channel),
  eventId: (channel: string, id: string): string => scoped('i', channel) + id,
  assetEvent: (channel: string, assetKey: string, position: bigint): string =>
    scoped('a', channel) + assetKey + SEP + positionAttr(position),
  assetEvents: (channel: string, assetKey: string): string => scoped('a', channel) + assetKey + SEP,
  outbox: (position: bigint): string => 'o' + positionAttr(position),
  /** [outboxStart, outboxEnd): every outbox entry. */
  outboxStart: 'o',
  outboxEnd: 'p',
  meta: (name: string): string => 'm' + name,
} as const;

/** The position at the end of an `e`, `a` or `o` key. */
export function positionOfKey(key: string): bigint {
  return BigInt(key.slice(-POSITION_WIDTH));
}
