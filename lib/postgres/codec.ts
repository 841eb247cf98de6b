// Value conversions between protobuf messages and SQL parameters/columns.
import { clone, create, fromBinary, toBinary, type DescMessage, type MessageShape } from '@bufbuild/protobuf';
import { TimestampSchema, type Timestamp } from '@bufbuild/protobuf/wkt';
import { invalidAsset } from '../errors/index.js';

/**
 * Binary encoding of what the DBAL stores. Timestamps anywhere in the message (including inside an event's asset)
 * are truncated to microseconds first, the precision every backend keeps, so the stored bytes are exactly what
 * reads return. The caller's message is never modified (a copy is truncated when needed).
 */
export function encode<D extends DescMessage>(schema: D, msg: MessageShape<D>): Uint8Array {
  if (!hasSubMicros(msg)) return toBinary(schema, msg);
  const copy = clone(schema, msg);
  truncateSubMicros(copy);
  return toBinary(schema, copy);
}

const TIMESTAMP = 'google.protobuf.Timestamp';

/** Walks a protobuf-es message (plain objects, arrays, map records, oneof {case, value}) looking for timestamps. */
function visitTimestamps(value: unknown, visit: (ts: { nanos: number }) => boolean): boolean {
  if (typeof value !== 'object' || value === null || value instanceof Uint8Array) return false;
  if ((value as { $typeName?: unknown }).$typeName === TIMESTAMP) return visit(value as { nanos: number });
  let found = false;
  for (const child of Array.isArray(value) ? value : Object.values(value)) {
    if (visitTimestamps(child, visit)) found = true;
  }
  return found;
}

const hasSubMicros = (msg: unknown): boolean => visitTimestamps(msg, (ts) => ts.nanos % 1000 !== 0);

function truncateSubMicros(msg: unknown): void {
  visitTimestamps(msg, (ts) => {
    ts.nanos -= ts.nanos % 1000;
    return false;
  });
}

export function decode<D extends DescMessage>(schema: D, bytes: unknown): MessageShape<D> {
  if (!(bytes instanceof Uint8Array)) throw new Error(`expected bytea, got ${typeof bytes}`);
  return fromBinary(schema, bytes);
}

/** Microseconds since the epoch; an absent timestamp counts as the epoch. Sub-µs digits are dropped. */
function toMicros(ts: Timestamp | undefined): bigint {
  if (!ts) return 0n;
  return ts.seconds * 1_000_000n + BigInt(Math.trunc(ts.nanos / 1000));
}

function fromMicros(us: bigint): Timestamp {
  let seconds = us / 1_000_000n;
  let micros = us % 1_000_000n;
  if (micros < 0n) {
    seconds -= 1n;
    micros += 1_000_000n;
  }
  return create(TimestampSchema, { seconds, nanos: Number(micros) * 1000 });
}

/**
 * A timestamptz literal at full microsecond precision. (A JS Date would drop the microseconds, and to_timestamp()
 * goes through float8.)
 */
export function microsToSql(us: bigint): string {
  const ts = fromMicros(us);
  const ms = Number(ts.seconds) * 1000;
  const date = new Date(ms);
  if (
    !Number.isFinite(ms) ||
    Number.isNaN(date.getTime()) ||
    date.getUTCFullYear() > 9999 ||
    date.getUTCFullYear() < 1
  ) {
    throw invalidAsset(`timestamp out of range: ${ts.seconds}s`);
  }
  const micros = String(ts.nanos / 1000).padStart(6, '0');
  return `${date.toISOString().slice(0, 19)}.${micros}Z`;
}

let lastMicros: bigint | undefined;
let lastSql = '';

/** timestampToSql of a batch mostly sees one instant (the transaction time): remember the last conversion. */
export function timestampToSql(ts: Timestamp | undefined): string {
  const us = toMicros(ts);
  if (us !== lastMicros) {
    lastSql = microsToSql(us);
    lastMicros = us;
  }
  return lastSql;
}

/** SQL expression reading a timestamptz column as exact integer microseconds (text, identical on both drivers). */
export const microsColumn = (column: string): string => `((extract(epoch from ${column}) * 1000000)::bigint)::text`;
