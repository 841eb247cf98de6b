import { checkKey, Violations, type AssetName } from './rules.js';

/**
 * Checks one key read from a request, for callers that hold a key rather than a message. Substra let malformed keys
 * reach PostgreSQL ("invalid input syntax for type uuid", gRPC UNKNOWN); every backend refuses them here instead.
 */
export function validateKey(asset: AssetName, fieldName: string, value: string): void {
  const v = new Violations();
  checkKey(v, fieldName, value);
  v.throwIfAny(asset);
}
