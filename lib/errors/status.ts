// gRPC status codes (grpc/doc/statuscodes.md). Kept here so lib/ needs no gRPC dependency.
/** The gRPC status codes by name, so that lib/ can name a status without depending on a gRPC library. */
export const GrpcStatus = {
  OK: 0,
  CANCELLED: 1,
  UNKNOWN: 2,
  INVALID_ARGUMENT: 3,
  DEADLINE_EXCEEDED: 4,
  NOT_FOUND: 5,
  ALREADY_EXISTS: 6,
  PERMISSION_DENIED: 7,
  RESOURCE_EXHAUSTED: 8,
  FAILED_PRECONDITION: 9,
  ABORTED: 10,
  OUT_OF_RANGE: 11,
  UNIMPLEMENTED: 12,
  INTERNAL: 13,
  UNAVAILABLE: 14,
  DATA_LOSS: 15,
  UNAUTHENTICATED: 16,
} as const;

/** A gRPC status code; an OrcError's kind fixes it (kinds.ts), so transports never choose one themselves. */
export type GrpcStatusCode = (typeof GrpcStatus)[keyof typeof GrpcStatus];
