export { rpcs, services, rpcByPath, rowOf } from './table.js';
export { runCall, withProvider, type CallScope, type CallOutcome } from './run.js';
export { grpcPath, transactionName, type Rpc, type UnaryRpc, type EventStreamRpc } from './rpc.js';
export {
  BATCH_TRANSACTION,
  decodeBatchRequest,
  decodeBatchResponse,
  encodeBatchRequest,
  encodeBatchResponse,
  type BatchCall,
  type BatchOutcome,
} from './batch.js';
