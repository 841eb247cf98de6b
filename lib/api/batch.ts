// The batch transaction: several writes of one organization on one channel in one Fabric transaction. Under load
// the facade groups concurrent writes, because Fabric's cost is mostly per transaction (signatures, endorsement
// round trips, ordering, validation) and hardly depends on what the transaction does. The envelope is
// proto-private/orchestratorts/batch/v1/batch.proto, outside package orchestrator.
import { create, fromBinary, toBinary } from '@bufbuild/protobuf';
import { BatchRequestSchema, BatchResponseSchema } from '../wire/gen/orchestratorts/batch/v1/batch_pb.js';

/** The Fabric transaction name of the batch function (contract:function). */
export const BATCH_TRANSACTION = 'orchestrator.Batch:Execute';

export interface BatchCall {
  /** The Fabric transaction name of a writing RPC, e.g. "orchestrator.ComputePlanService:RegisterPlan". */
  function: string;
  /** The RPC's request message in protobuf binary. */
  request: Uint8Array;
}

/** A call's response message in protobuf binary, or the error message it failed with (starting with its OE code). */
export type BatchOutcome = { response: Uint8Array; error?: undefined } | { error: string; response?: undefined };

export function encodeBatchRequest(calls: readonly BatchCall[]): Uint8Array {
  return toBinary(BatchRequestSchema, create(BatchRequestSchema, { calls: [...calls] }));
}

/** Throws on bytes that are not a BatchRequest (the caller words the error). */
export function decodeBatchRequest(bytes: Uint8Array): BatchCall[] {
  return fromBinary(BatchRequestSchema, bytes).calls;
}

export function encodeBatchResponse(outcomes: readonly BatchOutcome[]): Uint8Array {
  const result = (outcome: BatchOutcome) =>
    outcome.error !== undefined
      ? { case: 'error' as const, value: outcome.error }
      : { case: 'response' as const, value: outcome.response };
  return toBinary(
    BatchResponseSchema,
    create(BatchResponseSchema, { outcomes: outcomes.map((o) => ({ result: result(o) })) }),
  );
}

export function decodeBatchResponse(bytes: Uint8Array): BatchOutcome[] {
  return fromBinary(BatchResponseSchema, bytes).outcomes.map(({ result }) =>
    result.case === 'error' ? { error: result.value } : { response: result.value ?? new Uint8Array() },
  );
}
