// Shared plumbing of the store modules: the transaction/channel context, positional parameters and keyset pages.
import type { Page, PageRequest } from '../../persistence/index.js';
import { microsColumn, microsToSql } from '../codec.js';
import { decodeToken, encodeToken } from '../pagination.js';
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

export interface OrderPart {
  /** Column expression; the first part must be a timestamptz, the others text. */
  column: string;
  desc?: boolean;
}

export interface KeysetSpec<T> {
  /** Columns to read (besides the cursor columns this helper adds). */
  select: string;
  from: string;
  /** Conditions already written with placeholders from `params` (the channel condition included). */
  where: string[];
  params: Params;
  order: [OrderPart, ...OrderPart[]];
  page: PageRequest;
  decode: (row: Row) => T;
}

/**
 * One page in `order`, strictly after the token's cursor. When every part goes the same way the keyset condition
 * is a row comparison, which PostgreSQL turns into an index range; mixed directions (performances) get a leading
 * bound on the first column so the index still narrows the scan.
 */
export async function keysetPage<T>(q: Queryable, spec: KeysetSpec<T>): Promise<Page<T>> {
  const { params, order, page } = spec;
  const where = [...spec.where];
  const cursor = decodeToken(page.token, order.length - 1);
  if (cursor) {
    const values = [`${params.add(microsToSql(cursor.micros))}::timestamptz`, ...cursor.keys.map((k) => params.add(k))];
    where.push(keysetCondition(order, values));
  }
  const cursorCols = order
    .map((part, i) => (i === 0 ? `${microsColumn(part.column)} AS cursor_0` : `${part.column} AS cursor_${i}`))
    .join(', ');
  const orderBy = order.map((part) => `${part.column}${part.desc ? ' DESC' : ''}`).join(', ');
  const rows = await q.query(
    `SELECT ${spec.select}, ${cursorCols} FROM ${spec.from} WHERE ${where.join(' AND ')} ` +
      `ORDER BY ${orderBy} LIMIT ${params.add(page.size + 1)}`,
    params.values,
  );
  const more = rows.length > page.size;
  const kept = more ? rows.slice(0, page.size) : rows;
  const last = kept[kept.length - 1];
  const nextToken =
    more && last
      ? encodeToken({
          micros: BigInt(String(last.cursor_0)),
          keys: order.slice(1).map((_, i) => String(last[`cursor_${i + 1}`])),
        })
      : '';
  return { items: kept.map(spec.decode), nextToken };
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
