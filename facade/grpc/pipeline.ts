// The life of one orchestrator call, in Substra's interceptor order (substra-behaviour §1.1): request id → metrics → logging
// → mspid check (and client certificate) → channel check → decode → backend → error mapping. Written as plain
// handler wrappers rather than grpc-js interceptors because the steps need the decoded request, the backend result
// and the final status together, and health/reflection must not go through them at all.
import { once } from 'node:events';
import type { X509Certificate } from 'node:crypto';
import { isMessage, type DescMessage, type MessageShape } from '@bufbuild/protobuf';
import {
  status as Status,
  type handleServerStreamingCall,
  type handleUnaryCall,
  type ServerUnaryCall,
  type ServerWritableStream,
} from '@grpc/grpc-js';
import type { EventStreamRpc, UnaryRpc } from '../../lib/api/index.js';
import { SubscribeToEventsParamSchema, type Event } from '../../lib/asset/index.js';
import type { Encoded } from '../encoded.js';
import { OrcError } from '../../lib/errors/index.js';
import type { Backend, CallContext } from '../backend.js';
import type { ChannelConfig } from '../channels.js';
import type { Logger } from '../logger.js';
import type { Metrics, RpcType } from '../metrics.js';
import { verifyClientMspId } from '../tls.js';
import type { Decoded } from './adapter.js';
import { toGrpcError } from './errors.js';
import { channelOf, idempotencyKeyOf, mspidOf, requestIdOf, type Caller } from './identity.js';
import { statusName } from './status.js';

export interface PipelineDeps {
  backend: Backend;
  channels: ChannelConfig;
  logger: Logger;
  metrics: Metrics;
  /** Present when ORCHESTRATOR_VERIFY_CLIENT_MSP_ID is on: client CAs by MSP id (may be empty). */
  verifyMspId?: { clientCas: ReadonlyMap<string, readonly X509Certificate[]> };
  /** Aborted at shutdown: event streams end (unary calls are drained instead). */
  shutdown: AbortSignal;
}

/** What every call (unary or stream) offers; grpc-js does not export a name for it. */
export type SurfaceCall = Pick<ServerUnaryCall<unknown, unknown>, 'metadata' | 'getAuthContext'>;

/** The caller of any call, checked: mspid (and its client certificate), then the channel. */
export function authorize(call: SurfaceCall, deps: PipelineDeps): Caller {
  const mspid = mspidOf(call.metadata);
  if (deps.verifyMspId) {
    verifyClientMspId(mspid, call.getAuthContext().sslPeerCertificate, deps.verifyMspId.clientCas);
  }
  return { mspid, channel: channelOf(call.metadata, mspid, deps.channels) };
}

function decoded<T>(request: Decoded<T>): T {
  if (!request.ok) throw new OrcError('InvalidAsset', `malformed request: ${request.error.message}`);
  return request.message;
}

/** Per-call bookkeeping shared by unary and streaming calls: timing, metrics, the final log line. */
class CallScope {
  private readonly start = performance.now();
  readonly requestId: string;
  log: Logger;

  constructor(
    call: SurfaceCall,
    private readonly deps: PipelineDeps,
    private readonly service: string,
    private readonly method: string,
    private readonly type: RpcType,
  ) {
    this.requestId = requestIdOf(call.metadata);
    this.log = deps.logger.child({ reqid: this.requestId, method: `${service}/${method}` });
    deps.metrics.rpcStarted(service, method, type);
  }

  identified(caller: Caller): void {
    this.log = this.log.child({ mspid: caller.mspid, channel: caller.channel });
  }

  /** Maps any failure to the status the client gets, logging what is ours to fix. */
  failure(err: unknown): { code: Status; details: string } {
    const mapped = toGrpcError(err, this.requestId);
    if (mapped.unexpected) this.log.error({ err }, 'call failed');
    return { code: mapped.code, details: mapped.details };
  }

  done(code: Status, details?: string): void {
    const seconds = (performance.now() - this.start) / 1000;
    const name = statusName(code);
    this.deps.metrics.rpcHandled(this.service, this.method, this.type, name, seconds);
    const fields = { code: name, ms: Math.round(seconds * 1e4) / 10, ...(details ? { details } : {}) };
    this.log.info(fields, 'call');
  }
}

export function unaryHandler<I extends DescMessage, O extends DescMessage>(
  rpc: UnaryRpc<I, O>,
  deps: PipelineDeps,
): handleUnaryCall<Decoded<MessageShape<I>>, MessageShape<O>> {
  const service = rpc.method.parent.typeName;
  const method = rpc.method.name;
  return (call, callback) => {
    const scope = new CallScope(call, deps, service, method, 'unary');
    const cancelled = new AbortController();
    call.once('cancelled', () => cancelled.abort());
    const run = async (): Promise<MessageShape<O>> => {
      const caller = authorize(call, deps);
      scope.identified(caller);
      const request = decoded(call.request);
      const ctx: CallContext = { ...caller, requestId: scope.requestId, signal: cancelled.signal };
      // Reads ignore the header: answering a read again has no effect to avoid.
      const idempotencyKey = rpc.readOnly ? undefined : idempotencyKeyOf(call.metadata);
      if (idempotencyKey !== undefined) ctx.idempotencyKey = idempotencyKey;
      return deps.backend.invoke(rpc, request, ctx);
    };
    run().then(
      (response) => {
        callback(null, response);
        scope.done(Status.OK);
      },
      (err: unknown) => {
        const status = scope.failure(err);
        callback(status);
        scope.done(status.code, status.details);
      },
    );
  };
}

/** Resolves when the stream accepts writes again; false when the call ended first. */
async function drained(call: ServerWritableStream<unknown, Event | Encoded>, signal: AbortSignal): Promise<boolean> {
  try {
    await once(call, 'drain', { signal });
    return true;
  } catch {
    return false;
  }
}

/**
 * SubscribeToEvents: replay then live, from the backend's event source, until the client cancels or the server
 * shuts down. Writes wait for 'drain' when the transport buffer is full, so a slow client slows its own replay
 * instead of growing memory.
 */
export function eventStreamHandler(
  rpc: EventStreamRpc,
  deps: PipelineDeps,
): handleServerStreamingCall<Decoded<MessageShape<DescMessage>>, Event | Encoded> {
  const service = rpc.method.parent.typeName;
  const method = rpc.method.name;
  return (call) => {
    const scope = new CallScope(call, deps, service, method, 'server_stream');
    const stop = new AbortController();
    const onCancel = (): void => stop.abort('cancelled');
    const onShutdown = (): void => stop.abort('shutdown');
    call.once('cancelled', onCancel);
    if (deps.shutdown.aborted) onShutdown();
    else deps.shutdown.addEventListener('abort', onShutdown, { once: true });

    const run = async (): Promise<void> => {
      const caller = authorize(call, deps);
      scope.identified(caller);
      const request = decoded(call.request);
      if (!isMessage(request, SubscribeToEventsParamSchema)) {
        throw new OrcError('Internal', `${rpc.method.name} is not a SubscribeToEvents-shaped RPC`);
      }
      const ctx: CallContext = { ...caller, requestId: scope.requestId, signal: stop.signal };
      scope.log.debug({ start_event_id: request.startEventId }, 'subscribed');
      for await (const event of deps.backend.subscribe(request.startEventId, ctx)) {
        if (stop.signal.aborted) break;
        const more = call.write(event);
        deps.metrics.eventSent('stream');
        if (!more && !(await drained(call, stop.signal))) break;
      }
    };
    run()
      .then(
        () => {
          if (stop.signal.reason === 'cancelled') return scope.done(Status.CANCELLED);
          // The stream never ends by itself (substra-behaviour §4.4): at shutdown, or if the event source gives up,
          // UNAVAILABLE tells the client to reconnect and resume from its last event id.
          const why = stop.signal.reason === 'shutdown' ? 'server is shutting down' : 'event source closed';
          const details = new OrcError('Unavailable', why).message;
          call.emit('error', { code: Status.UNAVAILABLE, details });
          scope.done(Status.UNAVAILABLE, details);
        },
        (err: unknown) => {
          if (stop.signal.reason === 'cancelled') return scope.done(Status.CANCELLED);
          const status = scope.failure(err);
          call.emit('error', status);
          scope.done(status.code, status.details);
        },
      )
      .finally(() => {
        call.off('cancelled', onCancel);
        deps.shutdown.removeEventListener('abort', onShutdown);
      });
  };
}

/** A proto method without a row in the RPC table (should not happen: the table is tested to cover the proto). */
export function unimplementedHandler(path: string): handleUnaryCall<unknown, unknown> {
  return (_call, callback) =>
    callback({
      code: Status.UNIMPLEMENTED,
      details: new OrcError('Unimplemented', `${path} is not implemented`).message,
    });
}
