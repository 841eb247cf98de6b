import { createHash } from 'node:crypto';
import { fromBinary, toBinary, type DescMessage, type MessageShape } from '@bufbuild/protobuf';
import type { Timestamp } from '@bufbuild/protobuf/wkt';
import { OrcError } from '../errors/index.js';
import { IDEMPOTENCY_HEADER, type IdempotentWrite } from '../idempotency/index.js';
import type { UnaryRpc } from './rpc.js';

/**
 * What identifies a request under a key: the RPC and its request in protobuf binary. A client retrying resends the
 * same message, which encodes to the same bytes; a key reused for another RPC or another body digests differently.
 */
export function requestDigest<I extends DescMessage>(rpc: UnaryRpc<I>, request: MessageShape<I>): string {
  return createHash('sha256')
    .update(`${rpc.method.parent.typeName}/${rpc.method.name}`)
    .update('\n')
    .update(toBinary(rpc.method.input, request))
    .digest('hex');
}

function micros(ts: Timestamp): bigint {
  return ts.seconds * 1_000_000n + BigInt(Math.floor(ts.nanos / 1000));
}

/**
 * The response of an earlier call under the same key, when there is one still inside the window; undefined when
 * the call must run.
 *
 * @throws {@link OrcError} InvalidAsset when the key answered a different request within the window.
 */
export async function recall<I extends DescMessage, O extends DescMessage>(
  rpc: UnaryRpc<I, O>,
  digest: string,
  write: IdempotentWrite,
  requester: string,
  now: Timestamp,
): Promise<MessageShape<O> | undefined> {
  const earlier = await write.records.get(requester, write.key);
  if (!earlier || micros(now) - micros(earlier.createdAt) >= BigInt(write.windowMs) * 1000n) return undefined;
  if (earlier.digest !== digest) {
    throw new OrcError(
      'InvalidAsset',
      `${IDEMPOTENCY_HEADER} "${write.key}" was already used for a different request; use a new key for a new request`,
    );
  }
  return fromBinary(rpc.method.output, earlier.response);
}

/** Records the response of a call that ran under `write.key`, in the call's transaction. */
export function remember<O extends DescMessage>(
  rpc: UnaryRpc<DescMessage, O>,
  response: MessageShape<O>,
  digest: string,
  write: IdempotentWrite,
  requester: string,
  now: Timestamp,
): Promise<void> {
  return write.records.put(requester, write.key, {
    digest,
    response: toBinary(rpc.method.output, response),
    createdAt: now,
  });
}
