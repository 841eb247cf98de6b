import { GrpcStatus, type GrpcStatusCode } from './status.js';

/**
 * Every error kind a client can see: its Substra code (embedded in the message, clients match on it) and its gRPC
 * status. This table is the only place where a kind becomes a status.
 *
 * Departures from Substra 1.0 (ARCHITECTURE §6): OE0108/OE0109/OE0110 were unmapped (UNKNOWN) there; they describe a
 * precondition the client can fix, so they map to FAILED_PRECONDITION. Unavailable and Aborted have no Substra code of
 * their own and carry OE0007 (internal) so that code-matching clients still see a known code.
 */
export const ErrorKinds = {
  NotFound: { code: 'OE0002', status: GrpcStatus.NOT_FOUND },
  BadRequest: { code: 'OE0003', status: GrpcStatus.FAILED_PRECONDITION },
  Conflict: { code: 'OE0006', status: GrpcStatus.ALREADY_EXISTS },
  Internal: { code: 'OE0007', status: GrpcStatus.INTERNAL },
  Unavailable: { code: 'OE0007', status: GrpcStatus.UNAVAILABLE },
  Aborted: { code: 'OE0007', status: GrpcStatus.ABORTED },
  Unimplemented: { code: 'OE0010', status: GrpcStatus.UNIMPLEMENTED },
  InvalidAsset: { code: 'OE0101', status: GrpcStatus.INVALID_ARGUMENT },
  PermissionDenied: { code: 'OE0102', status: GrpcStatus.PERMISSION_DENIED },
  IncompatibleTaskStatus: { code: 'OE0104', status: GrpcStatus.INVALID_ARGUMENT },
  CannotDisableModel: { code: 'OE0105', status: GrpcStatus.INVALID_ARGUMENT },
  MissingTaskOutput: { code: 'OE0106', status: GrpcStatus.INVALID_ARGUMENT },
  IncompatibleKind: { code: 'OE0107', status: GrpcStatus.INVALID_ARGUMENT },
  CannotDisableOutput: { code: 'OE0108', status: GrpcStatus.FAILED_PRECONDITION },
  TerminatedComputePlan: { code: 'OE0109', status: GrpcStatus.FAILED_PRECONDITION },
  TerminatedComputeTask: { code: 'OE0110', status: GrpcStatus.FAILED_PRECONDITION },
} as const satisfies Record<string, { code: `OE${string}`; status: GrpcStatusCode }>;

/** The kind of an OrcError: decides both its OE0xxx code and its gRPC status (one place, ErrorKinds). */
export type ErrorKind = keyof typeof ErrorKinds;
