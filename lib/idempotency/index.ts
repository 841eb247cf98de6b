// Idempotent retries (design §8): a write sent with an `idempotency-key` header is answered once; a retry under the
// same key gets the first response back instead of a second effect. The rule lives in lib/api/run.ts; this folder
// holds what every backend shares: the record, its encoding for key-value stores, and the key's syntax.
export {
  DEFAULT_IDEMPOTENCY_WINDOW_MS,
  type IdempotencyRecord,
  type IdempotencyRecords,
  type IdempotentWrite,
} from './records.js';
export { IDEMPOTENCY_HEADER, MAX_IDEMPOTENCY_KEY_LENGTH, checkIdempotencyKey } from './key.js';
export { encodeRecord, decodeRecord } from './codec.js';
export { idempotencyTransient, idempotencyFromTransient } from './transient.js';
