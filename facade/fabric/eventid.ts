import { OrcError } from '../../lib/errors/index.js';

/** In distributed mode an event id is "<fabric transaction id>:<index of the event in that transaction>". */
export interface LedgerEventId {
  txId: string;
  index: number;
}

const pattern = /^([0-9a-f]{64}):(\d{1,9})$/;

export function parseLedgerEventId(id: string): LedgerEventId {
  const match = pattern.exec(id);
  if (!match?.[1] || match[2] === undefined) {
    throw new OrcError('InvalidAsset', `event id "${id}" is not a distributed-mode event id (<tx id>:<index>)`);
  }
  return { txId: match[1], index: Number(match[2]) };
}
