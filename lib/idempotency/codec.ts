import { create } from '@bufbuild/protobuf';
import { TimestampSchema } from '@bufbuild/protobuf/wkt';
import type { IdempotencyRecord } from './records.js';

/**
 * A record as bytes for key-value stores (LevelDB, Fabric world state). JSON with a fixed field order and the time
 * in integer microseconds: every endorsing peer must produce the very same bytes for the same record.
 */
export function encodeRecord(record: IdempotencyRecord): Uint8Array {
  const micros = record.createdAt.seconds * 1_000_000n + BigInt(Math.floor(record.createdAt.nanos / 1000));
  const json = JSON.stringify({
    digest: record.digest,
    createdAtMicros: micros.toString(),
    response: Buffer.from(record.response).toString('base64'),
  });
  return new TextEncoder().encode(json);
}

/** @throws Error on bytes encodeRecord did not write. */
export function decodeRecord(bytes: Uint8Array): IdempotencyRecord {
  const value = JSON.parse(new TextDecoder().decode(bytes)) as Record<string, unknown>;
  const { digest, createdAtMicros, response } = value;
  if (typeof digest !== 'string' || typeof createdAtMicros !== 'string' || typeof response !== 'string') {
    throw new Error('malformed idempotency record');
  }
  const micros = BigInt(createdAtMicros);
  return {
    digest,
    response: new Uint8Array(Buffer.from(response, 'base64')),
    createdAt: create(TimestampSchema, {
      seconds: micros / 1_000_000n,
      nanos: Number(micros % 1_000_000n) * 1000,
    }),
  };
}
