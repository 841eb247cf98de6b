import { invalidAsset } from '../../errors/index.js';

/**
 * Refuses a request holding U+0000 in any string (field, list item, map key or value), whatever the RPC.
 *
 * No backend can store it faithfully: PostgreSQL's text and jsonb refuse it (SQLSTATE 22P05/22021, which a client
 * would see as a database error), and LedgerDB uses it as the separator of composite keys, where it would split
 * one attribute into two. Refusing it up front gives the same INVALID_ARGUMENT (OE0101) on every backend and
 * writes nothing. Substra's text fields never carry it legitimately.
 *
 * Generated messages are plain objects (protobuf-es 2), so a structural walk sees every string without the cost of
 * reflection; bytes fields (Uint8Array) are left alone, as NUL is a legitimate byte there.
 */
export function rejectNulCharacters(request: object): void {
  const path = findNul(request, '');
  if (path !== undefined)
    throw invalidAsset(`${path || 'request'}: a string must not contain the NUL character (U+0000)`);
}

function findNul(value: unknown, path: string): string | undefined {
  if (typeof value === 'string') return value.includes('\u0000') ? path : undefined;
  if (typeof value !== 'object' || value === null || value instanceof Uint8Array) return undefined;
  if (Array.isArray(value)) {
    for (const [index, item] of value.entries()) {
      const found = findNul(item, `${path}[${index}]`);
      if (found !== undefined) return found;
    }
    return undefined;
  }
  for (const [name, field] of Object.entries(value)) {
    if (name === '$typeName') continue;
    const here = path === '' ? name : `${path}.${name}`;
    if (name.includes('\u0000')) return `${path || 'request'} (a map key)`;
    const found = findNul(field, here);
    if (found !== undefined) return found;
  }
  return undefined;
}
