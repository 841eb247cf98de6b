// The batch transaction: several writes of one organization on one channel in one Fabric transaction. Under load
// the facade groups concurrent writes, because Fabric's cost is mostly per transaction (signatures, endorsement
// round trips, ordering, validation) and hardly depends on what the transaction does.
//
// The wire format is protobuf, written by hand because the two messages are private to the facade and the
// chaincode and have no place in the orchestrator package that clients and reflection see:
//
//   message BatchRequest  { repeated Call calls = 1; }
//   message Call          { string function = 1; bytes request = 2; }   // function: transactionName() of the RPC
//   message BatchResponse { repeated Outcome outcomes = 1; }            // one per call, in call order
//   message Outcome       { oneof result { bytes response = 1; string error = 2; } }
import { BinaryWriter, WireType } from '@bufbuild/protobuf/wire';
import { readFields } from '../wire/fields.js';

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

const CALLS = 1;
const FUNCTION = 1;
const REQUEST = 2;
const OUTCOMES = 1;
const RESPONSE = 1;
const ERROR = 2;

export function encodeBatchRequest(calls: readonly BatchCall[]): Uint8Array {
  const writer = new BinaryWriter();
  for (const call of calls) {
    writer.tag(CALLS, WireType.LengthDelimited).fork();
    writer.tag(FUNCTION, WireType.LengthDelimited).string(call.function);
    writer.tag(REQUEST, WireType.LengthDelimited).bytes(call.request);
    writer.join();
  }
  return writer.finish();
}

/** Throws on bytes that are not a BatchRequest (the caller words the error). */
export function decodeBatchRequest(bytes: Uint8Array): BatchCall[] {
  return repeated(bytes, CALLS, (message) => {
    const call: BatchCall = { function: '', request: new Uint8Array() };
    readFields(message, (reader, field, wireType) => {
      if (wireType !== WireType.LengthDelimited) return false;
      if (field === FUNCTION) call.function = reader.string();
      else if (field === REQUEST) call.request = reader.bytes();
      else return false;
      return true;
    });
    return call;
  });
}

export function encodeBatchResponse(outcomes: readonly BatchOutcome[]): Uint8Array {
  const writer = new BinaryWriter();
  for (const outcome of outcomes) {
    writer.tag(OUTCOMES, WireType.LengthDelimited).fork();
    if (outcome.error !== undefined) writer.tag(ERROR, WireType.LengthDelimited).string(outcome.error);
    else writer.tag(RESPONSE, WireType.LengthDelimited).bytes(outcome.response);
    writer.join();
  }
  return writer.finish();
}

export function decodeBatchResponse(bytes: Uint8Array): BatchOutcome[] {
  return repeated(bytes, OUTCOMES, (message) => {
    let outcome: BatchOutcome = { response: new Uint8Array() };
    readFields(message, (reader, field, wireType) => {
      if (wireType !== WireType.LengthDelimited) return false;
      if (field === RESPONSE) outcome = { response: reader.bytes() };
      else if (field === ERROR) outcome = { error: reader.string() };
      else return false;
      return true;
    });
    return outcome;
  });
}

/** Decodes every occurrence of the message field `field` of `bytes` with `item`, skipping unknown fields. */
function repeated<T>(bytes: Uint8Array, field: number, item: (message: Uint8Array) => T): T[] {
  const items: T[] = [];
  readFields(bytes, (reader, number, wireType) => {
    if (number !== field || wireType !== WireType.LengthDelimited) return false;
    items.push(item(reader.bytes()));
    return true;
  });
  return items;
}
