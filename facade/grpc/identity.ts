// Who is calling and on which channel, from the request headers (substra-behaviour §1.1). Every orchestrator RPC needs
// exactly one `mspid` and one `channel`; the pair must be allowed by the channel configuration.
import { randomBytes } from 'node:crypto';
import type { Metadata } from '@grpc/grpc-js';
import { OrcError } from '../../lib/errors/index.js';
import { checkIdempotencyKey, IDEMPOTENCY_HEADER } from '../../lib/idempotency/index.js';
import { isAllowed, type ChannelConfig } from '../channels.js';

export interface Caller {
  mspid: string;
  channel: string;
}

/**
 * The single non-empty value of a header; undefined when absent, empty or repeated (ambiguous identity).
 *
 * A header sent twice does not reach us as two values: Node's HTTP/2 layer joins repeated request headers into one
 * value separated by ", " before grpc-js sees them. So a value holding a comma counts as repeated. No legitimate
 * `mspid` or `channel` has one: Fabric channel names are [a-z][a-z0-9.-]*, and MSP ids are identifiers.
 */
export function singleHeader(metadata: Metadata, name: string): string | undefined {
  const values = metadata.get(name);
  if (values.length !== 1) return undefined;
  const [value] = values;
  return typeof value === 'string' && value !== '' && !value.includes(',') ? value : undefined;
}

/** The `reqid` header, or a fresh 8-character id (Substra's format) so every log line of a call can be grouped. */
export function requestIdOf(metadata: Metadata): string {
  return singleHeader(metadata, 'reqid') ?? randomBytes(4).toString('hex');
}

/** Missing or duplicated mspid → OE0003 (FAILED_PRECONDITION), as Substra does. */
export function mspidOf(metadata: Metadata): string {
  const mspid = singleHeader(metadata, 'mspid');
  if (mspid === undefined) throw new OrcError('BadRequest', "missing or invalid header 'mspid'");
  return mspid;
}

/**
 * Missing or duplicated channel → OE0003; a channel the configuration does not list, or does not open to this MSP,
 * → OE0102 (PERMISSION_DENIED). Both refusals say the same thing so that channel names are not disclosed.
 */
export function channelOf(metadata: Metadata, mspid: string, channels: ChannelConfig): string {
  const channel = singleHeader(metadata, 'channel');
  if (channel === undefined) throw new OrcError('BadRequest', "missing or invalid header 'channel'");
  if (!isAllowed(channels, channel, mspid)) {
    throw new OrcError('PermissionDenied', `organization "${mspid}" has no access to channel "${channel}"`);
  }
  return channel;
}

/**
 * The `idempotency-key` header of a write; undefined when absent. Present but empty, repeated or malformed → OE0101
 * (INVALID_ARGUMENT): a retry that silently lost its key would apply twice.
 */
export function idempotencyKeyOf(metadata: Metadata): string | undefined {
  const values = metadata.get(IDEMPOTENCY_HEADER);
  if (values.length === 0) return undefined;
  const [value] = values;
  if (values.length > 1 || typeof value !== 'string') {
    throw new OrcError('InvalidAsset', `header '${IDEMPOTENCY_HEADER}' must be sent once, as text`);
  }
  return checkIdempotencyKey(value);
}
