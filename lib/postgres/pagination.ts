// Keyset pagination. A page token is the sort key of the last item returned, so pages stay stable while rows are
// inserted elsewhere (an OFFSET token would skip or repeat rows). Format: base64url of the JSON array
// ["<first column>", "<key part>", ...] — opaque to clients, validated strictly when read back. The first column is an
// integer: a creation time in µs for assets, a position for events.
import { invalidAsset } from '../errors/index.js';

export interface Cursor {
  /** The first order column as an integer: creation µs, or an event's position. */
  first: bigint;
  keys: string[];
}

export function encodeToken(cursor: Cursor): string {
  return Buffer.from(JSON.stringify([cursor.first.toString(), ...cursor.keys]), 'utf8').toString('base64url');
}

/** Undefined for the first page (""); anything this module did not produce with `keyParts` keys → InvalidAsset. */
export function decodeToken(token: string, keyParts: number): Cursor | undefined {
  if (token === '') return undefined;
  const garbled = () => invalidAsset(`invalid page token "${token.slice(0, 100)}"`);
  if (!/^[A-Za-z0-9_-]+$/.test(token)) throw garbled();
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(token, 'base64url').toString('utf8'));
  } catch {
    throw garbled();
  }
  if (
    !Array.isArray(parsed) ||
    parsed.length !== keyParts + 1 ||
    !parsed.every((p): p is string => typeof p === 'string') ||
    !/^-?\d{1,19}$/.test(parsed[0] as string)
  ) {
    throw garbled();
  }
  const [first, ...keys] = parsed as string[];
  return { first: BigInt(first as string), keys };
}
