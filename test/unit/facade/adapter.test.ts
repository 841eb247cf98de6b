import { create, equals } from '@bufbuild/protobuf';
import { status as Status } from '@grpc/grpc-js';
import { describe, expect, it } from 'vitest';
import { clientDefinition, decode, encode, methodPath, serverDefinition } from '../../../facade/grpc/adapter.js';
import { toGrpcError } from '../../../facade/grpc/errors.js';
import { rpcByPath, services } from '../../../lib/api/index.js';
import {
  EventKind,
  EventSchema,
  OrganizationService,
  RegisterOrganizationParamSchema,
  type RegisterOrganizationParam,
} from '../../../lib/asset/index.js';
import { ErrorKinds, OrcError, type ErrorKind } from '../../../lib/errors/index.js';

describe('adapter', () => {
  it('round-trips a message through the server definition', () => {
    const def = serverDefinition(OrganizationService).RegisterOrganization;
    if (!def) throw new Error('missing method');
    expect(def.path).toBe('/orchestrator.OrganizationService/RegisterOrganization');
    expect(def.requestStream).toBe(false);
    expect(def.responseStream).toBe(false);
    const request = create(RegisterOrganizationParamSchema, { address: 'https://org1.example' });
    const decoded = def.requestDeserialize(def.requestSerialize(request)) as ReturnType<
      typeof decode<typeof RegisterOrganizationParamSchema>
    >;
    expect(decoded.ok).toBe(true);
    if (decoded.ok) expect(equals(RegisterOrganizationParamSchema, decoded.message, request)).toBe(true);
  });

  it('never throws on undecodable bytes: the handler answers INVALID_ARGUMENT', () => {
    const bad = decode(RegisterOrganizationParamSchema, Buffer.from([0x0a, 0x05, 0x61]));
    expect(bad.ok).toBe(false);
    const invalidUtf8 = decode(RegisterOrganizationParamSchema, Buffer.from([0x0a, 0x02, 0xc3, 0x28]));
    expect(invalidUtf8.ok).toBe(false);
  });

  it('encodes without copying into a Buffer', () => {
    const event = create(EventSchema, { id: 'x', eventKind: EventKind.EVENT_ASSET_CREATED, metadata: { a: 'b' } });
    const bytes = encode(EventSchema, event);
    expect(Buffer.isBuffer(bytes)).toBe(true);
    const back = decode(EventSchema, bytes);
    expect(back.ok && equals(EventSchema, back.message, event)).toBe(true);
  });

  it('covers every proto method with a row of the RPC table, streaming flags included', () => {
    for (const service of services) {
      const server = serverDefinition(service);
      const client = clientDefinition(service);
      for (const method of service.methods) {
        const rpc = rpcByPath(methodPath(method));
        expect(rpc, methodPath(method)).toBeDefined();
        const def = server[method.name];
        expect(def?.responseStream).toBe(method.methodKind === 'server_streaming');
        expect(client[method.name]?.path).toBe(methodPath(method));
      }
    }
  });

  it('client definitions decode plainly', () => {
    const def = clientDefinition(OrganizationService).RegisterOrganization;
    const request = create(RegisterOrganizationParamSchema, { address: 'a' });
    const back = def?.requestDeserialize(def.requestSerialize(request)) as RegisterOrganizationParam;
    expect(back.address).toBe('a');
  });
});

describe('error mapping', () => {
  const expected: Record<ErrorKind, Status> = {
    NotFound: Status.NOT_FOUND,
    BadRequest: Status.FAILED_PRECONDITION,
    Conflict: Status.ALREADY_EXISTS,
    Internal: Status.INTERNAL,
    Unavailable: Status.UNAVAILABLE,
    Aborted: Status.ABORTED,
    Unimplemented: Status.UNIMPLEMENTED,
    InvalidAsset: Status.INVALID_ARGUMENT,
    PermissionDenied: Status.PERMISSION_DENIED,
    IncompatibleTaskStatus: Status.INVALID_ARGUMENT,
    CannotDisableModel: Status.INVALID_ARGUMENT,
    MissingTaskOutput: Status.INVALID_ARGUMENT,
    IncompatibleKind: Status.INVALID_ARGUMENT,
    CannotDisableOutput: Status.FAILED_PRECONDITION,
    TerminatedComputePlan: Status.FAILED_PRECONDITION,
    TerminatedComputeTask: Status.FAILED_PRECONDITION,
  };

  it('lists every kind of lib/errors', () => {
    expect(Object.keys(expected).sort()).toEqual(Object.keys(ErrorKinds).sort());
  });

  it.each(Object.entries(expected) as [ErrorKind, Status][])('%s → %i with its OE code', (kind, status) => {
    const mapped = toGrpcError(new OrcError(kind, 'detail'));
    expect(mapped.code).toBe(status);
    expect(mapped.details).toBe(`${ErrorKinds[kind].code}: detail`);
    expect(mapped.unexpected).toBe(status === Status.INTERNAL);
  });

  it('recognises an OrcError from another copy of lib/errors (structural check)', () => {
    const foreign = Object.assign(new Error('OE0002: gone'), { name: 'OrcError', kind: 'NotFound' });
    expect(toGrpcError(foreign).code).toBe(Status.NOT_FOUND);
  });

  it.each([new Error('boom'), new TypeError('x is undefined'), 'a string', undefined, { code: 5, details: 'x' }])(
    'anything else → INTERNAL OE0007 without leaking (%s)',
    (err) => {
      const mapped = toGrpcError(err, 'req42');
      expect(mapped.code).toBe(Status.INTERNAL);
      expect(mapped.details).toBe('OE0007: internal error (request req42)');
      expect(mapped.unexpected).toBe(true);
    },
  );
});
