// The last step of every call: what a failure looks like to the client. OrcErrors carry their own status and an
// "OE0xxx: ..." message clients match on; anything else is our bug, so the client gets INTERNAL with OE0007 and a
// neutral message (plus the request id to find the logged details), never UNKNOWN and never a stack trace.
import { status as Status } from '@grpc/grpc-js';
import { ErrorKinds, OrcError, isOrcError } from '../../lib/errors/index.js';

interface MappedError {
  code: Status;
  details: string;
  /** True when the error is unexpected and must be logged with its stack. */
  unexpected: boolean;
}

export function toGrpcError(err: unknown, requestId?: string): MappedError {
  if (isOrcError(err)) {
    // isOrcError is structural; read the status from the table so an OrcError from another copy of lib/ maps too.
    const status = ErrorKinds[err.kind].status as number as Status;
    return { code: status, details: err.message, unexpected: status === Status.INTERNAL };
  }
  const suffix = requestId ? ` (request ${requestId})` : '';
  return {
    code: Status.INTERNAL,
    details: new OrcError('Internal', `internal error${suffix}`).message,
    unexpected: true,
  };
}
