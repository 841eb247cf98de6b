// gRPC server reflection (v1 and v1alpha) so that `grpcurl -plaintext <addr> list` and friends work. The descriptors
// come from the buf image built with the generated code (lib/asset/gen/orchestrator.binpb), plus those of the health
// and reflection services so that `list` shows every service the server has, as Go's reflection.Register does.
// Written here rather than taken from @grpc/reflection, which parses descriptors with protobufjs and cost the process
// about 18 MiB of resident memory for a service that is rarely called.
import { existsSync, readFileSync } from 'node:fs';
import { status as Status, type Server, type ServerDuplexStream, type ServiceDefinition } from '@grpc/grpc-js';
import { fromProjectRoot } from '../lib/paths.js';
import { DescriptorCatalog } from './reflection/catalog.js';
import { builtinFiles, type ReflectionVersion } from './reflection/descriptors.js';
import {
  decodeReflectionRequest,
  encodeReflectionResponse,
  type ReflectionAnswer,
  type ReflectionQuery,
  type ReflectionRequest,
} from './reflection/wire.js';

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

/** A request that does not decode is answered with INVALID_ARGUMENT instead of grpc-js's INTERNAL. */
type Incoming = ReflectionRequest | { malformed: string };

function decode(bytes: Buffer): Incoming {
  try {
    return decodeReflectionRequest(bytes);
  } catch (err) {
    return { malformed: err instanceof Error ? err.message : String(err) };
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

// grpc status codes in error_response, as grpc-go answers.
const notFound = (what: string): ReflectionAnswer => ({ kind: 'error', code: Status.NOT_FOUND, message: what });

function answer(catalog: DescriptorCatalog, query: ReflectionQuery): ReflectionAnswer {
  const files = (found: Uint8Array[] | undefined, what: string): ReflectionAnswer =>
    found ? { kind: 'files', files: found } : notFound(what);
  switch (query.kind) {
    case 'listServices':
      return { kind: 'services', names: catalog.serviceNames() };
    case 'fileByFilename':
      return files(catalog.fileByName(query.name), `file not found: ${query.name}`);
    case 'fileContainingSymbol':
      return files(catalog.fileContainingSymbol(query.symbol), `symbol not found: ${query.symbol}`);
    case 'fileContainingExtension':
      return files(
        catalog.fileContainingExtension(query.containingType, query.extensionNumber),
        `extension ${query.extensionNumber} of ${query.containingType} not found`,
      );
    case 'allExtensionNumbersOfType': {
      const numbers = catalog.extensionNumbers(query.type);
      return numbers
        ? { kind: 'extensionNumbers', baseTypeName: query.type, numbers }
        : notFound(`type not found: ${query.type}`);
    }
    case 'none':
      return { kind: 'error', code: Status.INVALID_ARGUMENT, message: 'empty reflection request' };
  }
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
        catalog ??= DescriptorCatalog.fromImage(bytes, builtinFiles());
        call.write(encodeReflectionResponse(request, answer(catalog, request.query)));
      } catch (err) {
        // A corrupt image: fail this call, not the process (an event handler that throws would crash it).
        call.emit('error', { code: Status.INTERNAL, details: err instanceof Error ? err.message : String(err) });
      }
    });
    call.on('end', () => call.end());
  };
  for (const version of ['v1', 'v1alpha'] as const) {
    server.addService(definition(version), { ServerReflectionInfo: handler });
  }
}
