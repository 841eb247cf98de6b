// Shared plumbing of the store modules: the transaction/channel context, positional parameters and keyset pages.
import { PageFill, type Page, type PageRequest } from '../../persistence/index.js';
import { microsColumn, microsToSql } from '../codec.js';
import { decodeToken, encodeToken, type Cursor } from '../pagination.js';
import type { Queryable, Row } from '../sql.js';

/** What every store function works in: one transaction, one channel. */
export interface Ctx {
  q: Queryable;
  channel: string;
}

/** Collects positional parameters: `p.add(v)` returns the `$n` placeholder of v. */
export class Params {
  readonly values: unknown[] = [];

  add(value: unknown): string {
    this.values.push(value);
    return `$${this.values.length}`;
  }
}

interface OrderPart {
  /** Column expression; the first part must be a timestamptz (or a bigint, see KeysetSpec.firstIsBigint), the others text. */
  column: string;
  desc?: boolean;
}

interface KeysetSpec<T> {
  /** Columns to read (besides the cursor columns this helper adds). */
  select: string;
  from: string;
  /** Conditions already written with placeholders from `params` (the channel condition included). */
  where: string[];
  params: Params;
  order: [OrderPart, ...OrderPart[]];
  /** The first order column is a bigint (events: their position) instead of a timestamptz. */
  firstIsBigint?: boolean;
  page: PageRequest;
  decode: (row: Row) => T;
}

/**
 * Rows are read in chunks of at most this many, each resuming after the last: a page of 100,000 small items (page
 * sizes are the client's, see lib/service/paging.ts) never holds more than a chunk of raw rows beside the items.
 */
const CHUNK_ROWS = 1000;

/**
 * One page in `order`, strictly after the token's cursor, filled through PageFill (offset, size, byte budget). When
 * every part goes the same way the keyset condition is a row comparison, which PostgreSQL turns into an index
 * range; mixed directions (performances) get a leading bound on the first column so the index still narrows the
 * scan. An offset is applied by PostgreSQL itself (OFFSET) on the first chunk only.
 */
export async function keysetPage<T extends object>(q: Queryable, spec: KeysetSpec<T>): Promise<Page<T>> {
  const { order, page } = spec;
  const fill = new PageFill(page);
  const items: T[] = [];
  let cursor = decodeToken(page.token, order.length - 1);
  let offset = page.skip ?? 0;
  for (;;) {
    const limit = Math.min(page.size - items.length, CHUNK_ROWS);
    const rows = await keysetRows(q, spec, cursor, offset, limit + 1);
    offset = 0;
    for (const row of rows.slice(0, limit)) {
      const item = spec.decode(row);
      if (!fill.take(item)) return { items, nextToken: tokenOf(order, cursor) };
      items.push(item);
      cursor = cursorOf(order, row);
    }
    if (rows.length <= limit) return { items, nextToken: '' };
    if (fill.full) return { items, nextToken: tokenOf(order, cursor) };
  }
}

/** Up to `limit` rows of the spec strictly after `cursor`, passing over `offset` first. */
async function keysetRows<T>(
  q: Queryable,
  spec: KeysetSpec<T>,
  cursor: Cursor | undefined,
  offset: number,
  limit: number,
): Promise<Row[]> {
  const { order } = spec;
  const params = new Params();
  params.values.push(...spec.params.values);
  const where = [...spec.where];
  if (cursor) {
    const first = spec.firstIsBigint
      ? `${params.add(cursor.first.toString())}::bigint`
      : `${params.add(microsToSql(cursor.first))}::timestamptz`;
    const values = [first, ...cursor.keys.map((k) => params.add(k))];
    where.push(keysetCondition(order, values));
  }
  const cursorCols = order
    .map((part, i) => {
      if (i > 0) return `${part.column} AS cursor_${i}`;
      return `${spec.firstIsBigint ? `${part.column}::text` : microsColumn(part.column)} AS cursor_0`;
    })
    .join(', ');
  const orderBy = order.map((part) => `${part.column}${part.desc ? ' DESC' : ''}`).join(', ');
  return q.query(
    `SELECT ${spec.select}, ${cursorCols} FROM ${spec.from} WHERE ${where.join(' AND ')} ` +
      `ORDER BY ${orderBy} LIMIT ${params.add(limit)}${offset > 0 ? ` OFFSET ${params.add(offset)}` : ''}`,
    params.values,
  );
}

function cursorOf(order: OrderPart[], row: Row): Cursor {
  return { first: BigInt(String(row.cursor_0)), keys: order.slice(1).map((_, i) => String(row[`cursor_${i + 1}`])) };
}

function tokenOf(order: OrderPart[], cursor: Cursor | undefined): string {
  if (!cursor) throw new Error(`a page of ${order.length}-part order ended before its first item`);
  return encodeToken(cursor);
}

function keysetCondition(order: OrderPart[], values: string[]): string {
  const uniform = order.every((p) => Boolean(p.desc) === Boolean(order[0]?.desc));
  if (uniform) {
    const op = order[0]?.desc ? '<' : '>';
    return `(${order.map((p) => p.column).join(', ')}) ${op} (${values.join(', ')})`;
  }
  // (c1 ≻ v1) OR (c1 = v1 AND ((c2 ≻ v2) OR (c2 = v2 AND …))), built from the last part outwards.
  let cond = '';
  for (let i = order.length - 1; i >= 0; i--) {
    const part = order[i] as OrderPart;
    const strict = `${part.column} ${part.desc ? '<' : '>'} ${values[i]}`;
    cond = cond === '' ? strict : `(${strict} OR (${part.column} = ${values[i]} AND ${cond}))`;
  }
  const first = order[0] as OrderPart;
  return `${first.column} ${first.desc ? '<=' : '>='} ${values[0]} AND ${cond}`;
}
