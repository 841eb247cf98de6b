/**
 * JSON with the keys of every object in sorted order and no whitespace: one value, one text. protobuf's JSON
 * mapping already fixes everything else (field names, enum names, int64 as strings, RFC 3339 timestamps), but map
 * fields keep whatever key order the storage returned them in, which differs between backends.
 */
export function canonicalJson(value: unknown): string {
  return JSON.stringify(value, (_key, inner: unknown) => {
    if (inner === null || typeof inner !== 'object' || Array.isArray(inner)) return inner;
    const source = inner as Record<string, unknown>;
    const sorted: Record<string, unknown> = {};
    for (const key of Object.keys(source).sort()) sorted[key] = source[key];
    return sorted;
  });
}
