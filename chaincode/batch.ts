import { toBinary } from '@bufbuild/protobuf';
import {
  BATCH_TRANSACTION,
  decodeBatchRequest,
  encodeBatchResponse,
  rpcs,
  runCall,
  transactionName,
  type BatchCall,
  type BatchOutcome,
  type UnaryRpc,
} from '../lib/api/index.js';
import type { Event } from '../lib/asset/index.js';
import { invalidAsset, OrcError } from '../lib/errors/index.js';
import { assignEventIds } from '../lib/fabricevents/index.js';
import { decodeRequest, OpaqueBytes, PROTOBUF_MEDIA_TYPE } from './codec.js';
import type { OrchestratorContext } from './context.js';
import { declareTransactions, OrchestratorContract } from './contract.js';
import { chaincodeError } from './errors.js';
import { openBatchLedger } from './ledger.js';

const [CONTRACT_NAME, FUNCTION_NAME] = BATCH_TRANSACTION.split(':') as [string, string];

/** The RPCs a batch may hold: the writing ones (reads are evaluated, never ordered). */
const batchable: ReadonlyMap<string, UnaryRpc> = new Map(
  rpcs.flatMap((rpc) => (rpc.kind === 'unary' && !rpc.readOnly ? [[transactionName(rpc), rpc] as const] : [])),
);

/**
 * Runs the calls of a batch one after the other, as if each were a transaction of its own committed in that order:
 * each sees the writes of the calls before it, and a call that fails leaves no write and no event (its writes are
 * rolled back to a savepoint), so it cannot affect the calls after it. The events of the calls that succeeded
 * become the transaction's one chaincode event, numbered across the batch.
 */
async function executeBatch(ctx: OrchestratorContext, request: Uint8Array): Promise<Uint8Array> {
  try {
    const calls = decodeCalls(request);
    const channel = ctx.stub.getChannelID();
    const ledger = openBatchLedger(ctx.stub, channel);
    const outcomes: BatchOutcome[] = [];
    const events: Event[] = [];
    for (const call of calls) {
      const mark = ledger.savepoint();
      try {
        const rpc = batchable.get(call.function);
        if (!rpc) throw new OrcError('Unimplemented', `"${call.function}" is not a writing transaction`);
        const outcome = await runCall(rpc, decodeRequest(rpc.method.input, call.request), ctx.scope(ledger));
        outcomes.push({ response: toBinary(rpc.method.output, outcome.response) });
        for (const event of outcome.events) events.push(event);
      } catch (err) {
        ledger.rollback(mark);
        outcomes.push({ error: chaincodeError(err).message });
      }
    }
    if (events.length > 0) {
      await ledger.addEvents(assignEventIds(events, ctx.stub.getTxID(), channel));
      ctx.pending = events;
    }
    await ledger.flush();
    return OpaqueBytes.view(encodeBatchResponse(outcomes));
  } catch (err) {
    throw chaincodeError(err);
  }
}

function decodeCalls(request: Uint8Array): BatchCall[] {
  let calls: BatchCall[];
  try {
    calls = decodeBatchRequest(request);
  } catch (err) {
    throw OrcError.from(err, 'InvalidAsset', 'cannot decode the batch: ');
  }
  if (calls.length === 0) throw invalidAsset('a batch needs at least one call');
  return calls;
}

/** `orchestrator.Batch:Execute`: its argument is a BatchRequest, its result a BatchResponse (lib/api/batch.ts). */
export class BatchContract extends OrchestratorContract {
  constructor() {
    super(CONTRACT_NAME);
  }
}

const batchSchema = (message: string) => ({
  type: 'string' as const,
  contentMediaType: `${PROTOBUF_MEDIA_TYPE}; messageType=${message}`,
  description: `protobuf binary encoding of ${message} (lib/api/batch.ts)`,
});

Object.defineProperty(BatchContract.prototype, FUNCTION_NAME, {
  value: (ctx: OrchestratorContext, request: Uint8Array): Promise<Uint8Array> => executeBatch(ctx, request),
});
declareTransactions(BatchContract, [
  {
    name: FUNCTION_NAME,
    tag: ['SUBMIT', 'submitTx'],
    parameters: [{ name: 'request', description: 'the calls of the batch', schema: batchSchema('BatchRequest') }],
    returns: batchSchema('BatchResponse'),
  },
]);
