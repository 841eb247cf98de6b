import type { Timestamp } from '@bufbuild/protobuf/wkt';
import { internal } from '../errors/index.js';

/**
 * Attribute encodings whose lexicographic (byte) order is the order the DBAL contract states, so that a range scan
 * over an index returns items already sorted.
 */

const DATE_WIDTH = 20;
const MAX_MICROS = 10n ** BigInt(DATE_WIDTH) - 1n;

/** Microseconds since the epoch (sub-µs digits dropped, as stored); 0 for an absent timestamp. */
export function micros(ts: Timestamp | undefined): bigint {
  if (!ts) return 0n;
  return ts.seconds * 1_000_000n + BigInt(Math.trunc(ts.nanos / 1000));
}

/**
 * Fixed-width decimal µs since the epoch, so that string order is time order. An absent timestamp sorts first.
 * Instants before 1970 cannot come from a transaction clock, and would not sort correctly, so they are refused.
 */
export function dateAttr(ts: Timestamp | undefined): string {
  const us = micros(ts);
  if (us < 0n) throw internal('timestamps before 1970 cannot be indexed');
  return us.toString().padStart(DATE_WIDTH, '0');
}

/** The attribute for a query bound: clamped into the encodable range instead of refused. */
export function dateBoundAttr(ts: Timestamp): string {
  let us = micros(ts);
  if (us < 0n) us = 0n;
  if (us > MAX_MICROS) us = MAX_MICROS;
  return us.toString().padStart(DATE_WIDTH, '0');
}

export function isDateAttr(s: string): boolean {
  return s.length === DATE_WIDTH && /^[0-9]+$/.test(s);
}

/** 9 - d for every digit: the order of fixed-width decimal strings reversed. */
export function invertDigits(s: string): string {
  let out = '';
  for (let i = 0; i < s.length; i++) out += String.fromCharCode(0x69 - s.charCodeAt(i)); // '0'+'9' = 0x69
  return out;
}

const TERMINATOR = '~'; // sorts after every hex digit
const encoder = new TextEncoder();
const decoder = new TextDecoder('utf-8', { fatal: true });

/**
 * An attribute that sorts in the reverse byte order of `s`: every UTF-8 byte b becomes the two hex digits of
 * 255 - b, followed by a terminator that sorts after any hex digit (so that "ab" comes before its prefix "a", as a
 * descending order requires). The result is plain ASCII, hence a valid key attribute whatever `s` holds.
 */
export function invertString(s: string): string {
  let out = '';
  for (const b of encoder.encode(s)) out += (255 - b).toString(16).padStart(2, '0');
  return out + TERMINATOR;
}

/** Inverse of invertString; undefined when `inv` is not one of its results. */
export function uninvertString(inv: string): string | undefined {
  if (!inv.endsWith(TERMINATOR) || inv.length % 2 !== 1 || !/^[0-9a-f]*~$/.test(inv)) return undefined;
  const bytes = new Uint8Array((inv.length - 1) / 2);
  for (let i = 0; i < bytes.length; i++) bytes[i] = 255 - parseInt(inv.slice(2 * i, 2 * i + 2), 16);
  try {
    return decoder.decode(bytes);
  } catch {
    return undefined;
  }
}

const POSITION_WIDTH = 10;

/** Zero-padded registration position of a task output asset. */
export function positionAttr(position: number): string {
  return position.toString().padStart(POSITION_WIDTH, '0');
}
