import type { Timestamp } from '@bufbuild/protobuf/wkt';

/**
 * What a write answered under an idempotency key: enough to answer a retry of the same request with the same
 * response, and to recognise a different request reusing the key.
 */
export interface IdempotencyRecord {
  /** requestDigest() of the RPC and request the key was first used for. */
  digest: string;
  /** The response message in protobuf binary. */
  response: Uint8Array;
  /** The time of the transaction that wrote it (the call's clock): the key expires a window after it. */
  createdAt: Timestamp;
}

/**
 * The records of one channel, read and written inside the transaction of the write they belong to, so that a record
 * exists exactly when the write's effects do. Each backend supplies its own (SQL table, world-state key).
 */
export interface IdempotencyRecords {
  /** The record of `key` for `requester`, expired or not; undefined when there is none. */
  get(requester: string, key: string): Promise<IdempotencyRecord | undefined>;
  /** Creates or replaces (an expired one) the record of `key` for `requester`. */
  put(requester: string, key: string, record: IdempotencyRecord): Promise<void>;
}

/** The window when none is configured: a day covers any client's retry policy, and records stay small. */
export const DEFAULT_IDEMPOTENCY_WINDOW_MS = 24 * 3_600_000;

/** A write the client marked with an idempotency key, and where the transaction keeps records. */
export interface IdempotentWrite {
  /** A key checked by checkIdempotencyKey. */
  key: string;
  /** How long after a write a retry under its key still gets the first response (ORCHESTRATOR_IDEMPOTENCY_WINDOW). */
  windowMs: number;
  records: IdempotencyRecords;
}
