import { OrcError } from '../errors/index.js';
import { checkIdempotencyKey } from './key.js';

// How the facade hands a write's idempotency key to the chaincode: in the proposal's transient map, which every
// endorser receives with the proposal (so all of them run the same check) but which stays out of the ledger. What
// the ledger keeps is the record the chaincode writes under the key, in the same transaction as the write.
const KEY_FIELD = 'idempotency-key';
const WINDOW_FIELD = 'idempotency-window-ms';

/** The transient map of a write sent under `key`. */
export function idempotencyTransient(key: string, windowMs: number): Record<string, Uint8Array> {
  const encoder = new TextEncoder();
  return { [KEY_FIELD]: encoder.encode(key), [WINDOW_FIELD]: encoder.encode(String(Math.floor(windowMs))) };
}

/**
 * The key and window a proposal's transient map carries; undefined when it carries no key.
 *
 * @throws {@link OrcError} InvalidAsset for a malformed key or window.
 */
export function idempotencyFromTransient(
  transient: ReadonlyMap<string, Uint8Array>,
): { key: string; windowMs: number } | undefined {
  const key = transient.get(KEY_FIELD);
  if (key === undefined) return undefined;
  const decoder = new TextDecoder();
  const window = decoder.decode(transient.get(WINDOW_FIELD) ?? new Uint8Array());
  if (!/^\d{1,15}$/.test(window)) {
    throw new OrcError('InvalidAsset', `transient field ${WINDOW_FIELD} must be a whole number of milliseconds`);
  }
  return { key: checkIdempotencyKey(decoder.decode(key)), windowMs: Number(window) };
}
