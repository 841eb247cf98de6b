import { OrcError } from '../errors/index.js';

/** The request header that carries the key (gRPC metadata keys are lower case). */
export const IDEMPOTENCY_HEADER = 'idempotency-key';

/** Longer keys are refused: a UUID is 36 characters, and the key is stored with every record. */
export const MAX_IDEMPOTENCY_KEY_LENGTH = 128;

// Visible ASCII without the comma, which gRPC uses to join a repeated header (facade singleHeader): a key always
// reads back as the same one string, and fits Fabric composite-key attributes (no U+0000).
const KEY_PATTERN = /^[\x21-\x2b\x2d-\x7e]+$/;

/**
 * Checks a client-chosen idempotency key.
 *
 * @throws {@link OrcError} InvalidAsset (OE0101) naming the rule the key breaks.
 */
export function checkIdempotencyKey(key: string): string {
  if (key.length === 0 || key.length > MAX_IDEMPOTENCY_KEY_LENGTH || !KEY_PATTERN.test(key)) {
    throw new OrcError(
      'InvalidAsset',
      `header '${IDEMPOTENCY_HEADER}' must be 1 to ${MAX_IDEMPOTENCY_KEY_LENGTH} visible ASCII characters without a comma`,
    );
  }
  return key;
}
