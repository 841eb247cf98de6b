import { eventIdKind } from '../../lib/asset/validation/index.js';
import { OrcError } from '../../lib/errors/index.js';

/** In distributed mode an event id is "<fabric transaction id>:<index of the event in that transaction>". */
export interface LedgerEventId {
  txId: string;
  index: number;
}

/**
 * Answers like standalone mode does for ids it cannot have issued, so a client cannot tell the modes apart: a UUID
 * (a standalone event id) is well-formed but absent here (NotFound); anything else unreadable is InvalidAsset
 * (eventIdKind).
 */
export function parseLedgerEventId(id: string, channel: string): LedgerEventId {
  if (eventIdKind(id) === 'uuid')
    throw new OrcError('NotFound', `event with key "${id}" not found in channel "${channel}"`);
  const separator = id.lastIndexOf(':');
  return { txId: id.slice(0, separator), index: Number(id.slice(separator + 1)) };
}
