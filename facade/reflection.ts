// gRPC server reflection (v1 and v1alpha) so that `grpcurl -plaintext <addr> list` and friends work. The descriptors
// come from the buf image built with the generated code (lib/asset/gen/orchestrator.binpb), plus the health and
// reflection protos so that `list` shows every service the server has, as Go's reflection.Register does.
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import type { Server } from '@grpc/grpc-js';
import { loadFileDescriptorSetFromBuffer, loadSync, type PackageDefinition } from '@grpc/proto-loader';
import { ReflectionService } from '@grpc/reflection';
import { protoPath as healthProtoPath } from 'grpc-health-check';
import { fromProjectRoot } from '../lib/paths.js';

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

function optionalProto(root: string, file: string): PackageDefinition {
  // File names relative to their root keep reflection's file names short ("health/v1/health.proto").
  return existsSync(join(root, file)) ? loadSync(file, { includeDirs: [root] }) : {};
}

export function reflectionPackage(image = imagePath()): PackageDefinition {
  const reflectionRoot = join(dirname(createRequire(import.meta.url).resolve('@grpc/reflection')), '../proto');
  const healthRoot = dirname(dirname(dirname(healthProtoPath)));
  return {
    ...loadFileDescriptorSetFromBuffer(readFileSync(image)),
    ...optionalProto(healthRoot, 'health/v1/health.proto'),
    ...optionalProto(reflectionRoot, 'grpc/reflection/v1/reflection.proto'),
    ...optionalProto(reflectionRoot, 'grpc/reflection/v1alpha/reflection.proto'),
  };
}

export function addReflection(server: Server): void {
  new ReflectionService(reflectionPackage()).addToServer(server);
}
