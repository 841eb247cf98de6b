// Reflection and health on a real grpc-js server, asked by a real grpc-js client that encodes and decodes the
// messages itself (./introspection.ts), as grpcurl or a probe would.
import { createFileRegistry, create, fromBinary } from '@bufbuild/protobuf';
import { FileDescriptorProtoSchema, FileDescriptorSetSchema, type FileDescriptorProto } from '@bufbuild/protobuf/wkt';
import { Client, credentials, Server, ServerCredentials, status as Status, type ServiceError } from '@grpc/grpc-js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Health } from '../../../facade/health.js';
import { addReflection, builtinFiles } from '../../../facade/reflection.js';
import { services } from '../../../lib/api/index.js';
import { encodeQuery, healthCheck, healthClient, openReflection } from './introspection.js';

const orchestratorServices = services.map((s) => s.typeName);
let server: Server;
let health: Health;
let address: string;

beforeAll(async () => {
  server = new Server();
  health = new Health(orchestratorServices);
  health.addToServer(server);
  addReflection(server);
  const port = await new Promise<number>((resolve, reject) =>
    server.bindAsync('127.0.0.1:0', ServerCredentials.createInsecure(), (err, p) => (err ? reject(err) : resolve(p))),
  );
  address = `127.0.0.1:${port}`;
});

afterAll(() => server?.forceShutdown());

const decodeFiles = (files: Uint8Array[] | undefined): FileDescriptorProto[] =>
  (files ?? []).map((bytes) => fromBinary(FileDescriptorProtoSchema, bytes));

/** The files ordered so that each comes after the files it imports, as createFileRegistry needs. */
function importsFirst(files: FileDescriptorProto[]): FileDescriptorProto[] {
  const byName = new Map(files.map((f) => [f.name, f]));
  const ordered: FileDescriptorProto[] = [];
  const visit = (file: FileDescriptorProto | undefined): void => {
    if (!file || ordered.includes(file)) return;
    file.dependency.forEach((name) => visit(byName.get(name)));
    ordered.push(file);
  };
  files.forEach(visit);
  return ordered;
}

describe('server reflection', () => {
  it.each(['v1', 'v1alpha'] as const)(
    '%s lists every service, its own, health and migration included',
    async (version) => {
      const reflection = openReflection(address, version);
      try {
        const reply = await reflection.ask({ listServices: '*' });
        expect(reply.services).toEqual(
          [
            ...orchestratorServices,
            'grpc.health.v1.Health',
            'grpc.reflection.v1.ServerReflection',
            'grpc.reflection.v1alpha.ServerReflection',
            'orchestratorts.migration.v1.MigrationService',
          ].sort(),
        );
      } finally {
        reflection.close();
      }
    },
  );

  it("resolves a symbol's file with every file it imports, enough to build the descriptors", async () => {
    const reflection = openReflection(address);
    try {
      const reply = await reflection.ask({ fileContainingSymbol: 'orchestrator.ComputeTaskService' });
      const files = decodeFiles(reply.files);
      expect(files[0]?.name).toBe('computetask.proto');
      const names = new Set(files.map((f) => f.name));
      expect(names.size).toBe(files.length);
      for (const file of files) for (const dependency of file.dependency) expect(names).toContain(dependency);
      expect(names).toContain('google/protobuf/timestamp.proto');
      // A client builds the descriptors from exactly what it received.
      const registry = createFileRegistry(create(FileDescriptorSetSchema, { file: importsFirst(files) }));
      const method = registry.getService('orchestrator.ComputeTaskService')?.methods.find((m) => m.name === 'GetTask');
      expect(method?.input.typeName).toBe('orchestrator.GetTaskParam');
      expect(method?.output.fields.map((f) => f.name)).toContain('compute_plan_key');
    } finally {
      reflection.close();
    }
  });

  it('answers several requests on one stream, in order, for files, members and the built-in services', async () => {
    const reflection = openReflection(address);
    try {
      const [byName, method, field, healthFile, reflectionFile] = await Promise.all([
        reflection.ask({ fileByFilename: 'common.proto' }),
        reflection.ask({ fileContainingSymbol: 'orchestrator.ComputeTaskService.RegisterTasks' }),
        reflection.ask({ fileContainingSymbol: 'orchestrator.ComputeTask.compute_plan_key' }),
        reflection.ask({ fileContainingSymbol: 'grpc.health.v1.HealthCheckResponse.ServingStatus' }),
        reflection.ask({ fileContainingSymbol: 'grpc.reflection.v1alpha.ServerReflection' }),
      ]);
      expect(decodeFiles(byName.files)[0]?.name).toBe('common.proto');
      expect(decodeFiles(method.files)[0]?.name).toBe('computetask.proto');
      expect(decodeFiles(field.files)[0]?.name).toBe('computetask.proto');
      expect(decodeFiles(healthFile.files).map((f) => f.name)).toEqual(['grpc/health/v1/health.proto']);
      expect(decodeFiles(reflectionFile.files).map((f) => f.name)).toEqual([
        'grpc/reflection/v1alpha/reflection.proto',
      ]);
    } finally {
      reflection.close();
    }
  });

  it('echoes the request and the host, and answers NOT_FOUND in the response for what it does not know', async () => {
    const reflection = openReflection(address);
    try {
      const query = { fileContainingSymbol: 'nope.Nope' };
      const reply = await reflection.ask(query, 'example.org');
      expect(reply.validHost).toBe('example.org');
      expect(Buffer.from(reply.originalRequest)).toEqual(encodeQuery(query, 'example.org'));
      expect(reply.error).toEqual({ code: Status.NOT_FOUND, message: 'symbol not found: nope.Nope' });
      expect((await reflection.ask({ fileByFilename: 'nope.proto' })).error?.code).toBe(Status.NOT_FOUND);
      const noExtension = { containingType: 'orchestrator.ComputeTask', extensionNumber: 1000 };
      expect((await reflection.ask({ fileContainingExtension: noExtension })).error?.code).toBe(Status.NOT_FOUND);
      expect(
        (await reflection.ask({ allExtensionNumbersOfType: 'orchestrator.ComputeTask' })).extensionNumbers,
      ).toEqual({ baseTypeName: 'orchestrator.ComputeTask', numbers: [] });
      expect((await reflection.ask({ allExtensionNumbersOfType: 'nope.Nope' })).error?.code).toBe(Status.NOT_FOUND);
      // The stream is still usable after errors.
      expect((await reflection.ask({ listServices: '' })).services?.length).toBeGreaterThan(13);
    } finally {
      reflection.close();
    }
  });

  it('ends a stream that sends bytes which are not a protobuf message with INVALID_ARGUMENT', async () => {
    const reflection = openReflection(address);
    try {
      const err = await reflection.askRaw(Buffer.from([0x1a, 0x05, 0x61])).catch((e: ServiceError) => e);
      expect((err as ServiceError).code).toBe(Status.INVALID_ARGUMENT);
    } finally {
      reflection.close();
    }
  });

  it("publishes the health and reflection descriptors with the protocols' names and numbers", () => {
    const registry = createFileRegistry(create(FileDescriptorSetSchema, { file: builtinFiles }));
    const shape = (message: string) =>
      registry.getMessage(message)?.fields.map((f) => [f.name, f.number, f.oneof?.name ?? null]);
    for (const version of ['v1', 'v1alpha']) {
      expect(shape(`grpc.reflection.${version}.ServerReflectionRequest`)).toEqual([
        ['host', 1, null],
        ['file_by_filename', 3, 'message_request'],
        ['file_containing_symbol', 4, 'message_request'],
        ['file_containing_extension', 5, 'message_request'],
        ['all_extension_numbers_of_type', 6, 'message_request'],
        ['list_services', 7, 'message_request'],
      ]);
      expect(shape(`grpc.reflection.${version}.ServerReflectionResponse`)).toEqual([
        ['valid_host', 1, null],
        ['original_request', 2, null],
        ['file_descriptor_response', 4, 'message_response'],
        ['all_extension_numbers_response', 5, 'message_response'],
        ['list_services_response', 6, 'message_response'],
        ['error_response', 7, 'message_response'],
      ]);
    }
    const healthResponse = registry.getMessage('grpc.health.v1.HealthCheckResponse');
    expect(healthResponse?.fields.map((f) => [f.name, f.number, f.enum?.values.map((v) => v.name)])).toEqual([
      ['status', 1, ['UNKNOWN', 'SERVING', 'NOT_SERVING', 'SERVICE_UNKNOWN']],
    ]);
  });
});

describe('health', () => {
  it('answers Check for the server and each service, NOT_FOUND for others', async () => {
    health.setAll('SERVING');
    expect(await healthCheck(address, '')).toBe('SERVING');
    expect(await healthCheck(address, 'orchestrator.EventService')).toBe('SERVING');
    const err = await healthCheck(address, 'nope.Nope').catch((e: ServiceError) => e);
    expect((err as ServiceError).code).toBe(Status.NOT_FOUND);
  });

  it('answers a Check whose body is not a HealthCheckRequest with INVALID_ARGUMENT', async () => {
    const client = new Client(address, credentials.createInsecure());
    try {
      const err = await new Promise<ServiceError>((resolve, reject) =>
        client.makeUnaryRequest(
          '/grpc.health.v1.Health/Check',
          (bytes: Buffer) => bytes,
          (bytes: Buffer) => bytes,
          // Field 1, length 5, then one byte: a truncated string.
          Buffer.from([0x0a, 0x05, 0x61]),
          (error) => (error ? resolve(error) : reject(new Error('a malformed Check was answered'))),
        ),
      );
      expect([err.code, err.details]).toEqual([Status.INVALID_ARGUMENT, 'malformed request']);
    } finally {
      client.close();
    }
  });

  it('streams the current status on Watch, then each change; SERVICE_UNKNOWN for an unknown service', async () => {
    health.setAll('SERVING');
    const client = healthClient(address);
    try {
      const watch = client.Watch('');
      const seen: string[] = [];
      const twoStatuses = new Promise<void>((resolve) =>
        watch.on('data', (status: string) => {
          seen.push(status);
          if (seen.length === 1) health.setAll('NOT_SERVING');
          if (seen.length === 2) resolve();
        }),
      );
      watch.on('error', () => undefined);
      await twoStatuses;
      watch.cancel();
      expect(seen).toEqual(['SERVING', 'NOT_SERVING']);

      const unknown = client.Watch('nope.Nope');
      unknown.on('error', () => undefined);
      const first = await new Promise<string>((resolve) => unknown.once('data', resolve));
      unknown.cancel();
      expect(first).toBe('SERVICE_UNKNOWN');
    } finally {
      client.close();
      health.setAll('SERVING');
    }
  });
});
