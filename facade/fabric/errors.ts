import { status as GrpcCode } from '@grpc/grpc-js';
import { CommitError, GatewayError } from '@hyperledger/fabric-gateway';
import { errorMessage, isOrcError, OrcError, orcErrorFromText } from '../../lib/errors/index.js';

/**
 * How peers word a connection that is gone or going: to the chaincode server or to another peer, refused while it is
 * down, or closed under an in-flight request while it stops (gRPC's own wording of an UNAVAILABLE status included).
 */
const UNREACHABLE =
  /could not launch chaincode|connection refused|transport: error while dialing|no such host|code = Unavailable|transport is closing|error reading from server: EOF|connection reset by peer/i;

/**
 * How peers refuse a caller whose organization is not a member of the channel. Through another member's peer, the
 * proposal check says "access denied: channel [c] creator org unknown" and the event service fails the channel's
 * Readers policy; through the organization's own peer, which has not joined the channel (the facade's case), the
 * gateway "failed to get config for channel" (evaluate) and the event service "Failed to get policy manager".
 */
const NOT_A_MEMBER =
  /access denied|creator org unknown|failed to get config for channel|could not get last config for channel|failed to get policy manager for channel|failed evaluating policy on signed data/i;

/**
 * How the orderer refuses a transaction larger than a block may hold (its AbsoluteMaxBytes, 10 MB on the test
 * network). A write carries each asset several times (request, documents, events, response), so a large
 * RegisterTasks of heavy tasks meets it. Nothing was committed, and the client can fix it by sending fewer items.
 */
const TOO_LARGE = /message payload is (\d+) bytes and exceeds maximum allowed (\d+) bytes/;

/**
 * Turns whatever fabric-gateway threw into the OrcError standalone mode would have returned. Chaincode errors only
 * cross Fabric as text, so the OE code in the endorsers' messages is the source of truth; transport failures become
 * Unavailable so clients retry them.
 */
export function fromFabricError(err: unknown): OrcError {
  if (isOrcError(err)) return err;
  if (err instanceof GatewayError) {
    const texts = [...err.details.map((d) => d.message), err.message];
    for (const text of texts) {
      const orcError = orcErrorFromText(text);
      if (orcError) return orcError;
    }
    const tooLarge = texts.map((text) => TOO_LARGE.exec(text)).find((match) => match !== null);
    if (tooLarge) {
      return new OrcError(
        'InvalidAsset',
        `the request makes a Fabric transaction of ${tooLarge[1]} bytes, over the orderer's limit of ${tooLarge[2]}: ` +
          'send fewer items per request',
        { cause: err },
      );
    }
    // Checked before reachability: the gateway words "not on this channel" as UNAVAILABLE, which is final here.
    const refused = texts.find((text) => NOT_A_MEMBER.test(text));
    if (refused || err.code === GrpcCode.PERMISSION_DENIED) {
      return new OrcError('PermissionDenied', `refused by the Fabric network: ${refused ?? err.message}`, {
        cause: err,
      });
    }
    // A peer that cannot reach the chaincode server (or another peer) reports it as a failed endorsement (ABORTED).
    const unreachable = texts.find((text) => UNREACHABLE.test(text));
    if (unreachable) {
      return new OrcError('Unavailable', `Fabric network unavailable: ${unreachable}`, { cause: err });
    }
    if (err.code === GrpcCode.UNAVAILABLE || err.code === GrpcCode.DEADLINE_EXCEEDED) {
      return new OrcError('Unavailable', `Fabric network unavailable: ${err.message}`, { cause: err });
    }
    return new OrcError('Internal', `Fabric gateway error: ${err.message}`, { cause: err });
  }
  if (err instanceof CommitError) {
    return new OrcError('Internal', `transaction ${err.transactionId} was not committed: ${err.message}`, {
      cause: err,
    });
  }
  return orcErrorFromText(errorMessage(err)) ?? OrcError.from(err);
}

/** A gateway call that failed before the outcome was known (the transaction may still commit). */
export function isTimeout(err: unknown): boolean {
  return err instanceof GatewayError && err.code === GrpcCode.DEADLINE_EXCEEDED;
}
