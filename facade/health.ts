// The standard grpc.health.v1.Health service (Check and Watch): "" (the whole server) and each orchestrator service.
// It answers without mspid/channel headers (it is registered outside the orchestrator pipeline) so probes need no
// identity. Two one-field messages are read and written on the wire directly (numbers as in
// reflection/descriptors.ts), which spares the process grpc-health-check's protobufjs.
import { BinaryWriter, WireType } from '@bufbuild/protobuf/wire';
import {
  status as Status,
  type sendUnaryData,
  type Server,
  type ServerUnaryCall,
  type ServerWritableStream,
  type MethodDefinition,
} from '@grpc/grpc-js';
import { readFields } from '../lib/wire/fields.js';

/** HealthCheckResponse.ServingStatus numbers. */
const SERVING_STATUS = { UNKNOWN: 0, SERVING: 1, NOT_SERVING: 2, SERVICE_UNKNOWN: 3 } as const;

export type ServingStatus = 'SERVING' | 'NOT_SERVING';
export type HealthStatus = keyof typeof SERVING_STATUS;
/**
 * What the server-side deserializer yields; `malformed` for bytes that are not a HealthCheckRequest. It is never
 * undefined: grpc-js takes an undefined message for a missing one and answers UNIMPLEMENTED, where a client that
 * sent garbage must get INVALID_ARGUMENT.
 */
export type HealthRequest = { service: string; malformed?: true };

/** HealthCheckRequest { string service = 1 } */
function decodeRequest(bytes: Uint8Array): HealthRequest {
  let service = '';
  try {
    readFields(bytes, (reader, field, wireType) => {
      if (field !== 1 || wireType !== WireType.LengthDelimited) return false;
      service = reader.string();
      return true;
    });
  } catch {
    return { service: '', malformed: true };
  }
  return { service };
}

/** HealthCheckResponse { ServingStatus status = 1 } */
function decodeResponse(bytes: Uint8Array): HealthStatus {
  let number = 0;
  readFields(bytes, (reader, field, wireType) => {
    if (field !== 1 || wireType !== WireType.Varint) return false;
    number = reader.int32();
    return true;
  });
  const names = Object.keys(SERVING_STATUS) as HealthStatus[];
  return names.find((name) => SERVING_STATUS[name] === number) ?? 'UNKNOWN';
}

const toBuffer = (writer: BinaryWriter): Buffer => {
  const bytes = writer.finish();
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
};

function method(name: string, responseStream: boolean): MethodDefinition<HealthRequest, HealthStatus> {
  return {
    path: `/grpc.health.v1.Health/${name}`,
    requestStream: false,
    responseStream,
    requestDeserialize: decodeRequest,
    requestSerialize: (request) =>
      toBuffer(new BinaryWriter().tag(1, WireType.LengthDelimited).string(request.service)),
    responseSerialize: (status) => toBuffer(new BinaryWriter().tag(1, WireType.Varint).int32(SERVING_STATUS[status])),
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
