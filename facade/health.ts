// The standard grpc.health.v1.Health service (Check and Watch): "" (the whole server) and each orchestrator service.
// It answers without mspid/channel headers (it is registered outside the orchestrator pipeline) so probes need no
// identity. The messages are generated from proto-private/grpc/health/v1/health.proto.
import { create, fromBinary, toBinary } from '@bufbuild/protobuf';
import {
  status as Status,
  type sendUnaryData,
  type Server,
  type ServerUnaryCall,
  type ServerWritableStream,
  type MethodDefinition,
} from '@grpc/grpc-js';
import {
  HealthCheckRequestSchema,
  HealthCheckResponse_ServingStatus as ServingStatusNumber,
  HealthCheckResponseSchema,
} from '../lib/wire/gen/grpc/health/v1/health_pb.js';

export type ServingStatus = 'SERVING' | 'NOT_SERVING';
export type HealthStatus = keyof typeof ServingStatusNumber;
/**
 * What the server-side deserializer yields; `malformed` for bytes that are not a HealthCheckRequest. It is never
 * undefined: grpc-js takes an undefined message for a missing one and answers UNIMPLEMENTED, where a client that
 * sent garbage must get INVALID_ARGUMENT.
 */
export type HealthRequest = { service: string; malformed?: true };

function decodeRequest(bytes: Uint8Array): HealthRequest {
  try {
    return { service: fromBinary(HealthCheckRequestSchema, bytes).service };
  } catch {
    return { service: '', malformed: true };
  }
}

function decodeResponse(bytes: Uint8Array): HealthStatus {
  const status = fromBinary(HealthCheckResponseSchema, bytes).status;
  return (ServingStatusNumber[status] as HealthStatus | undefined) ?? 'UNKNOWN';
}

const toBuffer = (bytes: Uint8Array): Buffer => Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);

function method(name: string, responseStream: boolean): MethodDefinition<HealthRequest, HealthStatus> {
  return {
    path: `/grpc.health.v1.Health/${name}`,
    requestStream: false,
    responseStream,
    requestDeserialize: decodeRequest,
    requestSerialize: (request) =>
      toBuffer(toBinary(HealthCheckRequestSchema, create(HealthCheckRequestSchema, { service: request.service }))),
    responseSerialize: (status) =>
      toBuffer(
        toBinary(HealthCheckResponseSchema, create(HealthCheckResponseSchema, { status: ServingStatusNumber[status] })),
      ),
    responseDeserialize: decodeResponse,
  };
}

/** Usable by clients too (makeClientConstructor): requests are `{ service }`, responses status names. */
export const healthDefinition = { Check: method('Check', false), Watch: method('Watch', true) };

export class Health {
  private readonly statuses = new Map<string, ServingStatus>();
  private readonly watchers = new Map<string, Set<(status: HealthStatus) => void>>();

  constructor(private readonly serviceNames: readonly string[]) {
    // NOT_SERVING until the backend is ready and the port is bound.
    for (const name of ['', ...serviceNames]) this.statuses.set(name, 'NOT_SERVING');
  }

  addToServer(server: Server): void {
    server.addService(healthDefinition, {
      Check: (call: ServerUnaryCall<HealthRequest, HealthStatus>, callback: sendUnaryData<HealthStatus>) => {
        if (call.request.malformed) return callback({ code: Status.INVALID_ARGUMENT, details: 'malformed request' });
        const status = this.statuses.get(call.request.service);
        if (status) callback(null, status);
        else callback({ code: Status.NOT_FOUND, details: `unknown service "${call.request.service}"` });
      },
      Watch: (call: ServerWritableStream<HealthRequest, HealthStatus>) => this.watch(call),
    });
  }

  setAll(status: ServingStatus): void {
    for (const name of ['', ...this.serviceNames]) {
      if (this.statuses.get(name) === status) continue;
      this.statuses.set(name, status);
      for (const watcher of this.watchers.get(name) ?? []) watcher(status);
    }
  }

  /** The current status at once, then each change, until the client goes away. */
  private watch(call: ServerWritableStream<HealthRequest, HealthStatus>): void {
    if (call.request.malformed) {
      call.emit('error', { code: Status.INVALID_ARGUMENT, details: 'malformed request' });
      return;
    }
    const { service } = call.request;
    const send = (status: HealthStatus): void => void call.write(status);
    let set = this.watchers.get(service);
    if (!set) this.watchers.set(service, (set = new Set()));
    set.add(send);
    call.once('cancelled', () => set.delete(send));
    send(this.statuses.get(service) ?? 'SERVICE_UNKNOWN');
  }
}
