import type { IdempotencyRecord, IdempotencyRecords } from '../idempotency/index.js';
import { fromMicros, microsColumn, timestampToSql } from './codec.js';
import type { Queryable } from './sql.js';

/**
 * Idempotency records in the idempotency_records table (migration 0210), read and written through the write's own
 * transaction. Two replicas running the same key at once cannot both insert: writes of a channel are serialised
 * across processes (lock.ts), and SERIALIZABLE turns a remaining race into a retried serialization failure.
 */
export class SqlIdempotencyRecords implements IdempotencyRecords {
  constructor(
    private readonly q: Queryable,
    private readonly channel: string,
  ) {}

  async get(requester: string, key: string): Promise<IdempotencyRecord | undefined> {
    const rows = await this.q.query<{ digest: string; response: unknown; created: string }>(
      `SELECT digest, response, ${microsColumn('created_at')} AS created FROM idempotency_records ` +
        'WHERE channel = $1 AND requester = $2 AND key = $3',
      [this.channel, requester, key],
    );
    const row = rows[0];
    if (!row) return undefined;
    if (!(row.response instanceof Uint8Array)) throw new Error('idempotency_records.response is not bytea');
    return { digest: row.digest, response: row.response, createdAt: fromMicros(BigInt(row.created)) };
  }

  async put(requester: string, key: string, record: IdempotencyRecord): Promise<void> {
    await this.q.query(
      'INSERT INTO idempotency_records (channel, requester, key, digest, response, created_at) ' +
        'VALUES ($1, $2, $3, $4, $5, $6::timestamptz) ON CONFLICT (channel, requester, key) DO UPDATE SET ' +
        'digest = EXCLUDED.digest, response = EXCLUDED.response, created_at = EXCLUDED.created_at',
      [this.channel, requester, key, record.digest, record.response, timestampToSql(record.createdAt)],
    );
  }
}
