import type { Network } from '@hyperledger/fabric-gateway';
import type { Event } from '../../lib/asset/index.js';
import { CHAINCODE_EVENT_NAME, eventsOfPayload } from '../../lib/fabricevents/index.js';
import { fromFabricError } from './errors.js';

/** Where a reader stands on a channel's event history: after event `index` of transaction `txId`. */
export interface LedgerPosition {
  block: bigint;
  txId: string;
  index: number;
}

/**
 * The channel's events strictly after `after` (from the first block when undefined), then live ones, in ledger order:
 * block, then transaction, then emission order. The peer replays history from the start block; events up to `after`
 * in that block are skipped here.
 */
export async function* ledgerEvents(
  network: Network,
  chaincode: string,
  after: LedgerPosition | undefined,
  signal: AbortSignal,
): AsyncGenerator<{ event: Event; position: LedgerPosition }> {
  let stream;
  try {
    stream = await network.getChaincodeEvents(chaincode, { startBlock: after?.block ?? 0n });
  } catch (err) {
    throw fromFabricError(err);
  }
  const stop = () => stream.close();
  signal.addEventListener('abort', stop, { once: true });
  let skipping = after !== undefined;
  try {
    for await (const chaincodeEvent of stream) {
      if (chaincodeEvent.eventName !== CHAINCODE_EVENT_NAME) continue;
      let first = 0;
      if (skipping && after) {
        if (chaincodeEvent.blockNumber === after.block && chaincodeEvent.transactionId !== after.txId) continue;
        skipping = false;
        if (chaincodeEvent.transactionId === after.txId) first = after.index + 1;
      }
      let index = first;
      for (const event of eventsOfPayload(chaincodeEvent.payload, first)) {
        event.channel = network.getName();
        yield { event, position: { block: chaincodeEvent.blockNumber, txId: chaincodeEvent.transactionId, index } };
        index++;
      }
    }
  } catch (err) {
    if (!signal.aborted) throw fromFabricError(err);
  } finally {
    signal.removeEventListener('abort', stop);
    stream.close();
  }
}
