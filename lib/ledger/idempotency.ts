import { decodeRecord, encodeRecord, type IdempotencyRecord, type IdempotencyRecords } from '../idempotency/index.js';
import { Doc, docKey } from './keys.js';
import type { KV } from './kv.js';

/**
 * Idempotency records in a channel's world state, one composite key per (requester, key). Written straight to the
 * KV of the call's transaction: the chaincode's stub (so the record is in the same Fabric transaction's write set,
 * visible to every facade and replica once committed) or the embedded store's LevelKV (the same LevelDB batch).
 */
export class KVIdempotencyRecords implements IdempotencyRecords {
  constructor(private readonly kv: KV) {}

  async get(requester: string, key: string): Promise<IdempotencyRecord | undefined> {
    const bytes = await this.kv.getState(docKey(Doc.idempotencyRecord, requester, key));
    return bytes === undefined ? undefined : decodeRecord(bytes);
  }

  put(requester: string, key: string, record: IdempotencyRecord): Promise<void> {
    return this.kv.putState(docKey(Doc.idempotencyRecord, requester, key), encodeRecord(record));
  }
}
