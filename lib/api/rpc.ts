import type {
  DescMessage,
  DescMethodServerStreaming,
  DescMethodUnary,
  DescService,
  MessageShape,
} from '@bufbuild/protobuf';
import type { Provider } from '../service/index.js';

/** A unary RPC: its descriptor (path, request and response schemas), whether it writes, and the service call. */
export interface UnaryRpc<I extends DescMessage = DescMessage, O extends DescMessage = DescMessage> {
  readonly kind: 'unary';
  readonly method: DescMethodUnary<I, O>;
  /** Read-only RPCs run in read-only transactions (standalone) and as evaluate transactions (Fabric). */
  readonly readOnly: boolean;
  readonly call: (provider: Provider, request: MessageShape<I>) => Promise<MessageShape<O>>;
}

/**
 * SubscribeToEvents: the only streaming RPC. It has no service call because each transport serves it from its own
 * event source (the events table, or the Fabric ledger).
 */
export interface EventStreamRpc<I extends DescMessage = DescMessage, O extends DescMessage = DescMessage> {
  readonly kind: 'event-stream';
  readonly method: DescMethodServerStreaming<I, O>;
  readonly readOnly: true;
}

/** One row of the RPC table: what every transport derives its handling of a method from (ARCHITECTURE §3). */
export type Rpc = UnaryRpc | EventStreamRpc;

export function unary<I extends DescMessage, O extends DescMessage>(
  method: DescMethodUnary<I, O>,
  access: 'read' | 'write',
  call: (provider: Provider, request: MessageShape<I>) => Promise<MessageShape<O>>,
): UnaryRpc {
  return { kind: 'unary', method, readOnly: access === 'read', call } as unknown as UnaryRpc;
}

export function eventStream<I extends DescMessage, O extends DescMessage>(
  method: DescMethodServerStreaming<I, O>,
): EventStreamRpc {
  return { kind: 'event-stream', method, readOnly: true } as unknown as EventStreamRpc;
}

/** "/orchestrator.ComputeTaskService/RegisterTasks", the gRPC path. */
export function grpcPath(rpc: Rpc): string {
  return `/${rpc.method.parent.typeName}/${rpc.method.name}`;
}

/** "orchestrator.ComputeTaskService:RegisterTasks", the Fabric transaction name (contract:function). */
export function transactionName(rpc: Rpc): string {
  return `${rpc.method.parent.typeName}:${rpc.method.name}`;
}

export type { DescService };
