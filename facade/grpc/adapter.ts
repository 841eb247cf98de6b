// One generic bridge from protobuf-es descriptors to grpc-js: a DescService becomes a grpc.ServiceDefinition whose
// (de)serializers are protobuf-es toBinary/fromBinary. No per-RPC code: the RPC table and the generated schemas say
// everything.
import {
  fromBinary,
  toBinary,
  type DescMessage,
  type DescMethod,
  type DescService,
  type MessageShape,
} from '@bufbuild/protobuf';
import type { MethodDefinition, ServiceDefinition } from '@grpc/grpc-js';
import { Encoded } from '../encoded.js';

/**
 * What the server's request deserializer yields. grpc-js answers INTERNAL when a deserializer throws; bad bytes are
 * the client's mistake, so decoding never throws here and the handler answers INVALID_ARGUMENT instead.
 */
export type Decoded<T> = { ok: true; message: T } | { ok: false; error: Error };

export function decode<D extends DescMessage>(schema: D, bytes: Uint8Array): Decoded<MessageShape<D>> {
  try {
    return { ok: true, message: fromBinary(schema, bytes) };
  } catch (err) {
    return { ok: false, error: err instanceof Error ? err : new Error(String(err)) };
  }
}

export function encode<D extends DescMessage>(schema: D, message: MessageShape<D> | Encoded): Buffer {
  const bytes = message instanceof Encoded ? message.bytes : toBinary(schema, message);
  // grpc-js wants a Buffer; wrap the same memory instead of copying.
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

/** "/orchestrator.OrganizationService/RegisterOrganization" */
export const methodPath = (method: DescMethod): string => `/${method.parent.typeName}/${method.name}`;

type AnyMethodDefinition = MethodDefinition<unknown, unknown>;

/** Server side: requests decode to Decoded<Message>, responses encode from messages. */
function serverMethod(method: DescMethod): AnyMethodDefinition {
  return {
    path: methodPath(method),
    requestStream: method.methodKind === 'client_streaming' || method.methodKind === 'bidi_streaming',
    responseStream: method.methodKind === 'server_streaming' || method.methodKind === 'bidi_streaming',
    originalName: method.localName,
    requestDeserialize: (bytes: Buffer) => decode(method.input, bytes),
    responseSerialize: (message: unknown) => encode(method.output, message as MessageShape<DescMessage>),
    // Unused on the server; present because grpc-js types one definition for both sides.
    requestSerialize: (message: unknown) => encode(method.input, message as MessageShape<DescMessage>),
    responseDeserialize: (bytes: Buffer) => fromBinary(method.output, bytes),
  };
}

/** Client side (tests, tools): plain messages both ways, decoding errors surface as call errors. */
function clientMethod(method: DescMethod): AnyMethodDefinition {
  return {
    ...serverMethod(method),
    requestDeserialize: (bytes: Buffer) => fromBinary(method.input, bytes),
  };
}

/** Keys are the proto method names ("RegisterOrganization"); handlers are registered under the same keys. */
export function serverDefinition(service: DescService): ServiceDefinition {
  return Object.fromEntries(service.methods.map((m) => [m.name, serverMethod(m)]));
}

export function clientDefinition(service: DescService): ServiceDefinition {
  return Object.fromEntries(service.methods.map((m) => [m.name, clientMethod(m)]));
}
