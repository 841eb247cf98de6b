import { OrcError } from '../../lib/errors/index.js';

/** In distributed mode an event id is "<fabric transaction id>:<index of the event in that transaction>". */
export interface LedgerEventId {
  txId: string;
  index: number;
}

const pattern = /^([0-9a-f]{64}):(\d{1,9})$/;
const standaloneId = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/**
 * Answers like standalone mode does for ids it cannot have issued, so a client cannot tell the modes apart: a UUID
 * (a standalone event id) is well-formed but absent here (NotFound); anything else unreadable is InvalidAsset.
 */
export function parseLedgerEventId(id: string, channel: string): LedgerEventId {
  const match = pattern.exec(id);
  if (match?.[1] && match[2] !== undefined) return { txId: match[1], index: Number(match[2]) };
  if (standaloneId.test(id)) throw new OrcError('NotFound', `event with key "${id}" not found in channel "${channel}"`);
  throw new OrcError('InvalidAsset', `start_event_id "${id}" is not a valid event id (<tx id>:<index>)`);
}
