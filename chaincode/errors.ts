import { OrcError } from '../lib/errors/index.js';

/**
 * The error a transaction function throws. Fabric only carries the message across (the peer answers "chaincode
 * response 500, <message>"), so the message must start with the OE code: the facade rebuilds the OrcError from it
 * with orcErrorFromText. Anything that is not an OrcError is a bug or an infrastructure failure: OE0007 internal.
 */
export function chaincodeError(err: unknown): Error {
  return new Error(OrcError.from(err, 'Internal', 'internal error: ').message);
}
