// gRPC server reflection (v1 and v1alpha) so that `grpcurl -plaintext <addr> list` and friends work. The descriptors
// come from the buf image built with the generated code (lib/asset/gen/orchestrator.binpb), plus those of the health
// and reflection services (proto-private/, generated too) so that `list` shows every service the server has.
// Written here rather than taken from @grpc/reflection, which parses descriptors with protobufjs and cost the process
// about 18 MiB of resident memory for a service that is rarely called.
import { existsSync, readFileSync } from 'node:fs';
import { create, fromBinary, toBinary, type MessageInitShape } from '@bufbuild/protobuf';
import { status as Status, type Server, type ServerDuplexStream, type ServiceDefinition } from '@grpc/grpc-js';
import { errorMessage } from '../lib/errors/index.js';
import { fromProjectRoot } from '../lib/paths.js';
import { file_grpc_health_v1_health } from '../lib/wire/gen/grpc/health/v1/health_pb.js';
import {
  file_grpc_reflection_v1_reflection,
  ServerReflectionRequestSchema,
  ServerReflectionResponseSchema,
  type ServerReflectionRequest,
} from '../lib/wire/gen/grpc/reflection/v1/reflection_pb.js';
import { file_grpc_reflection_v1alpha_reflection } from '../lib/wire/gen/grpc/reflection/v1alpha/reflection_pb.js';
import { file_orchestratorts_migration_v1_migration } from '../lib/wire/gen/orchestratorts/migration/v1/migration_pb.js';
import { DescriptorCatalog } from './reflection/catalog.js';

/**
 * The services the server has besides package orchestrator, described too (grpcurl lists them and asks for their
 * files), as Go's reflection.Register does.
 */
export const builtinFiles = [
  file_grpc_health_v1_health,
  file_grpc_reflection_v1_reflection,
  file_grpc_reflection_v1alpha_reflection,
  file_orchestratorts_migration_v1_migration,
].map((file) => file.proto);

export type ReflectionVersion = 'v1' | 'v1alpha';

const IMAGE = 'lib/asset/gen/orchestrator.binpb';

/**
 * The buf image beside the generated code. tsc does not copy it to dist/, so from dist/facade the source tree (same
 * path from the project root) is used.
 */
export function imagePath(): string {
  const image = fromProjectRoot(IMAGE);
  if (!existsSync(image)) throw new Error(`${IMAGE} not found: run \`npm run generate\``);
  return image;
}

/**
 * A request that does not decode is answered with INVALID_ARGUMENT instead of grpc-js's INTERNAL. v1alpha is v1
 * under another package name, with the same messages and numbers, so v1's generated code reads and writes both.
 */
type Incoming = ServerReflectionRequest | { malformed: string };

function decode(bytes: Buffer): Incoming {
  try {
    return fromBinary(ServerReflectionRequestSchema, bytes);
  } catch (err) {
    return { malformed: errorMessage(err) };
  }
}

const asBuffer = (bytes: Uint8Array): Buffer => Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);

function definition(version: ReflectionVersion): ServiceDefinition {
  return {
    ServerReflectionInfo: {
      path: `/grpc.reflection.${version}.ServerReflection/ServerReflectionInfo`,
      requestStream: true,
      responseStream: true,
      requestDeserialize: decode,
      responseSerialize: asBuffer,
      // Client side of the same definition; the server never uses these two.
      requestSerialize: asBuffer,
      responseDeserialize: (bytes: Buffer) => bytes,
    },
  };
}

type Answer = MessageInitShape<typeof ServerReflectionResponseSchema>['messageResponse'];

// grpc status codes in error_response, as grpc-go answers.
const failure = (code: Status, what: string): Answer => ({
  case: 'errorResponse',
  value: { errorCode: code, errorMessage: what },
});

function answer(catalog: DescriptorCatalog, request: ServerReflectionRequest['messageRequest']): Answer {
  const files = (found: Uint8Array[] | undefined, what: string): Answer =>
    found ? { case: 'fileDescriptorResponse', value: { fileDescriptorProto: found } } : failure(Status.NOT_FOUND, what);
  switch (request.case) {
    case 'listServices':
      return { case: 'listServicesResponse', value: { service: catalog.serviceNames().map((name) => ({ name })) } };
    case 'fileByFilename':
      return files(catalog.fileByName(request.value), `file not found: ${request.value}`);
    case 'fileContainingSymbol':
      return files(catalog.fileContainingSymbol(request.value), `symbol not found: ${request.value}`);
    case 'fileContainingExtension': {
      const { containingType, extensionNumber } = request.value;
      return files(
        catalog.fileContainingExtension(containingType, extensionNumber),
        `extension ${extensionNumber} of ${containingType} not found`,
      );
    }
    case 'allExtensionNumbersOfType': {
      const numbers = catalog.extensionNumbers(request.value);
      return numbers
        ? { case: 'allExtensionNumbersResponse', value: { baseTypeName: request.value, extensionNumber: numbers } }
        : failure(Status.NOT_FOUND, `type not found: ${request.value}`);
    }
    case undefined:
      return failure(Status.INVALID_ARGUMENT, 'empty reflection request');
  }
}

function respond(catalog: DescriptorCatalog, request: ServerReflectionRequest): Uint8Array {
  const response = create(ServerReflectionResponseSchema, {
    validHost: request.host,
    originalRequest: request,
    messageResponse: answer(catalog, request.messageRequest),
  });
  return toBinary(ServerReflectionResponseSchema, response);
}

/** Registers grpc.reflection.v1 and v1alpha on `server`, describing the image's files and the built-in services. */
export function addReflection(server: Server, image = imagePath()): void {
  // Read now so that a missing image fails the start; decoded on the first request only.
  const bytes = readFileSync(image);
  let catalog: DescriptorCatalog | undefined;
  const handler = (call: ServerDuplexStream<Incoming, Uint8Array>): void => {
    call.on('data', (request: Incoming) => {
      if ('malformed' in request) {
        call.emit('error', { code: Status.INVALID_ARGUMENT, details: `malformed request: ${request.malformed}` });
        return;
      }
      try {
        catalog ??= DescriptorCatalog.fromImage(bytes, builtinFiles);
        call.write(respond(catalog, request));
      } catch (err) {
        // A corrupt image: fail this call, not the process (an event handler that throws would crash it).
        call.emit('error', { code: Status.INTERNAL, details: errorMessage(err) });
      }
    });
    call.on('end', () => call.end());
  };
  for (const version of ['v1', 'v1alpha'] as const) {
    server.addService(definition(version), { ServerReflectionInfo: handler });
  }
}
