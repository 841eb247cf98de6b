export { rpcs, services, rpcByPath } from './table.js';
export { grpcPath, transactionName, type Rpc, type UnaryRpc, type EventStreamRpc } from './rpc.js';
