// Descriptors of the two standard gRPC services the server offers besides package orchestrator: grpc.health.v1 and
// grpc.reflection (v1 and v1alpha). Reflection must describe them too (grpcurl lists them, and asks for their files),
// but they are not part of our wire contract, so they are built here rather than added to the buf image whose content
// is checked against Substra's API. Field numbers and names follow the public protocol; options that only matter to
// code generators (go_package, java_*) are left out.
import { create, type MessageInitShape } from '@bufbuild/protobuf';
import {
  FieldDescriptorProto_Label as Label,
  FieldDescriptorProto_Type as Type,
  FileDescriptorProtoSchema,
  type DescriptorProtoSchema,
  type FieldDescriptorProtoSchema,
  type FileDescriptorProto,
  type MethodDescriptorProtoSchema,
} from '@bufbuild/protobuf/wkt';

type FieldType = 'string' | 'int32' | 'bytes' | { message: string } | { enum: string };

interface FieldOptions {
  repeated?: boolean;
  /** Index of the message's oneof this field belongs to. */
  oneof?: number;
}

const SCALARS = { string: Type.STRING, int32: Type.INT32, bytes: Type.BYTES } as const;

/** One field; message and enum types are named relative to `pkg`. */
function field(pkg: string, name: string, number: number, type: FieldType, options: FieldOptions = {}) {
  const proto: MessageInitShape<typeof FieldDescriptorProtoSchema> = {
    name,
    number,
    label: options.repeated ? Label.REPEATED : Label.OPTIONAL,
    oneofIndex: options.oneof,
  };
  if (typeof type === 'string') proto.type = SCALARS[type];
  else if ('message' in type) Object.assign(proto, { type: Type.MESSAGE, typeName: `.${pkg}.${type.message}` });
  else Object.assign(proto, { type: Type.ENUM, typeName: `.${pkg}.${type.enum}` });
  return proto;
}

function method(pkg: string, name: string, input: string, output: string, stream: 'none' | 'server' | 'bidi') {
  const proto: MessageInitShape<typeof MethodDescriptorProtoSchema> = {
    name,
    inputType: `.${pkg}.${input}`,
    outputType: `.${pkg}.${output}`,
  };
  if (stream === 'bidi') proto.clientStreaming = true;
  if (stream !== 'none') proto.serverStreaming = true;
  return proto;
}

export const HEALTH_FILE = 'grpc/health/v1/health.proto';

function healthFile(): FileDescriptorProto {
  const pkg = 'grpc.health.v1';
  const f = field.bind(null, pkg);
  return create(FileDescriptorProtoSchema, {
    name: HEALTH_FILE,
    package: pkg,
    syntax: 'proto3',
    messageType: [
      { name: 'HealthCheckRequest', field: [f('service', 1, 'string')] },
      {
        name: 'HealthCheckResponse',
        field: [f('status', 1, { enum: 'HealthCheckResponse.ServingStatus' })],
        enumType: [
          {
            name: 'ServingStatus',
            value: ['UNKNOWN', 'SERVING', 'NOT_SERVING', 'SERVICE_UNKNOWN'].map((name, number) => ({ name, number })),
          },
        ],
      },
    ],
    service: [
      {
        name: 'Health',
        method: [
          method(pkg, 'Check', 'HealthCheckRequest', 'HealthCheckResponse', 'none'),
          method(pkg, 'Watch', 'HealthCheckRequest', 'HealthCheckResponse', 'server'),
        ],
      },
    ],
  });
}

export type ReflectionVersion = 'v1' | 'v1alpha';

export const reflectionFileName = (version: ReflectionVersion): string => `grpc/reflection/${version}/reflection.proto`;

/** v1alpha is v1 under another package name: same messages, same numbers. */
function reflectionFile(version: ReflectionVersion): FileDescriptorProto {
  const pkg = `grpc.reflection.${version}`;
  const f = field.bind(null, pkg);
  const messages: MessageInitShape<typeof DescriptorProtoSchema>[] = [
    {
      name: 'ServerReflectionRequest',
      field: [
        f('host', 1, 'string'),
        f('file_by_filename', 3, 'string', { oneof: 0 }),
        f('file_containing_symbol', 4, 'string', { oneof: 0 }),
        f('file_containing_extension', 5, { message: 'ExtensionRequest' }, { oneof: 0 }),
        f('all_extension_numbers_of_type', 6, 'string', { oneof: 0 }),
        f('list_services', 7, 'string', { oneof: 0 }),
      ],
      oneofDecl: [{ name: 'message_request' }],
    },
    {
      name: 'ExtensionRequest',
      field: [f('containing_type', 1, 'string'), f('extension_number', 2, 'int32')],
    },
    {
      name: 'ServerReflectionResponse',
      field: [
        f('valid_host', 1, 'string'),
        f('original_request', 2, { message: 'ServerReflectionRequest' }),
        f('file_descriptor_response', 4, { message: 'FileDescriptorResponse' }, { oneof: 0 }),
        f('all_extension_numbers_response', 5, { message: 'ExtensionNumberResponse' }, { oneof: 0 }),
        f('list_services_response', 6, { message: 'ListServiceResponse' }, { oneof: 0 }),
        f('error_response', 7, { message: 'ErrorResponse' }, { oneof: 0 }),
      ],
      oneofDecl: [{ name: 'message_response' }],
    },
    { name: 'FileDescriptorResponse', field: [f('file_descriptor_proto', 1, 'bytes', { repeated: true })] },
    {
      name: 'ExtensionNumberResponse',
      field: [f('base_type_name', 1, 'string'), f('extension_number', 2, 'int32', { repeated: true })],
    },
    { name: 'ListServiceResponse', field: [f('service', 1, { message: 'ServiceResponse' }, { repeated: true })] },
    { name: 'ServiceResponse', field: [f('name', 1, 'string')] },
    { name: 'ErrorResponse', field: [f('error_code', 1, 'int32'), f('error_message', 2, 'string')] },
  ];
  return create(FileDescriptorProtoSchema, {
    name: reflectionFileName(version),
    package: pkg,
    syntax: 'proto3',
    messageType: messages,
    service: [
      {
        name: 'ServerReflection',
        method: [method(pkg, 'ServerReflectionInfo', 'ServerReflectionRequest', 'ServerReflectionResponse', 'bidi')],
      },
    ],
  });
}

/** The descriptors of grpc.health.v1 and both reflection versions, each a file without imports. */
export function builtinFiles(): FileDescriptorProto[] {
  return [healthFile(), reflectionFile('v1'), reflectionFile('v1alpha')];
}
