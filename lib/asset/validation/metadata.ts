import { byteLength, entryPath, fieldPath, sortedKeys, type Violations } from './rules.js';

const MAX_METADATA_BYTES = 100;

/** Substra's metadata rules: every key and every value at most 100 bytes; any number of entries. */
export function checkMetadata(v: Violations, parent: string, metadata: Readonly<Record<string, string>>): void {
  const path = fieldPath(parent, 'metadata');
  for (const key of sortedKeys(metadata)) {
    const value = metadata[key] ?? '';
    if (byteLength(key) > MAX_METADATA_BYTES) {
      v.add(entryPath(path, key), `key is too long (${byteLength(key)} bytes, at most ${MAX_METADATA_BYTES})`);
    }
    if (byteLength(value) > MAX_METADATA_BYTES) {
      v.add(entryPath(path, key), `value is too long (${byteLength(value)} bytes, at most ${MAX_METADATA_BYTES})`);
    }
  }
}
