import { invalidAsset } from '../errors/index.js';

/**
 * A page token is base64url(JSON [kind, ...sort attributes of the last item returned]). Every list is ordered by
 * a unique sort tuple, so "strictly after this tuple" resumes the scan with no gap and no duplicate whichever index
 * serves the query, and the token stays valid while items are added (they land before or after it, never at it).
 * `kind` names the ordering, so that a token from another list is refused instead of silently misread.
 */
export type TokenKind = 'date-key' | 'performance' | 'event' | 'event-position';

export function encodeToken(kind: TokenKind, sort: readonly string[]): string {
  return Buffer.from(JSON.stringify([kind, ...sort]), 'utf8').toString('base64url');
}

/**
 * The sort tuple a token resumes after; undefined for "" (first page). `valid` checks the tuple's shape; anything
 * unreadable is an InvalidAsset error, as the DBAL contract requires.
 */
export function decodeToken(kind: TokenKind, token: string, valid: (sort: string[]) => boolean): string[] | undefined {
  if (token === '') return undefined;
  const fail = () => invalidAsset('invalid page token');
  if (!/^[A-Za-z0-9_-]+$/.test(token)) throw fail();
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(token, 'base64url').toString('utf8'));
  } catch {
    throw fail();
  }
  if (!Array.isArray(parsed) || parsed[0] !== kind || !parsed.every((p) => typeof p === 'string')) throw fail();
  const sort = (parsed as string[]).slice(1);
  if (!valid(sort)) throw fail();
  return sort;
}
