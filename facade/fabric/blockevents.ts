// The orchestrator's events in a Fabric block, read from the block itself: unlike the gateway's chaincode-event
// stream, which only speaks of blocks that hold matching events, a block stream tells how far the channel has been
// read, which QueryEvents needs to answer after the caller's own writes (eventindex.ts).
import type { Network } from '@hyperledger/fabric-gateway';
import { common, peer } from '@hyperledger/fabric-protos';
import type { Event } from '../../lib/asset/index.js';
import { CHAINCODE_EVENT_NAME, eventsOfPayload } from '../../lib/fabricevents/index.js';
import { fromFabricError } from './errors.js';

/** One committed block: its number and the orchestrator events of its valid transactions, in ledger order. */
export interface BlockEvents {
  block: bigint;
  events: Event[];
}

/** TxValidationCode VALID: only valid transactions' events happened (Fabric drops the others' writes too). */
const VALID = 0;

/** The orchestrator events of `block`: chaincode `chaincode`, event name CHAINCODE_EVENT_NAME, valid transactions. */
export function eventsOfBlock(block: common.Block, chaincode: string, channel: string): Event[] {
  const validity = block.getMetadata()?.getMetadataList_asU8()[common.BlockMetadataIndex.TRANSACTIONS_FILTER];
  const events: Event[] = [];
  block
    .getData()
    ?.getDataList_asU8()
    .forEach((envelopeBytes, txIndex) => {
      if (validity?.[txIndex] !== VALID) return;
      const payload = common.Payload.deserializeBinary(
        common.Envelope.deserializeBinary(envelopeBytes).getPayload_asU8(),
      );
      const header = payload.getHeader();
      if (!header) return;
      const channelHeader = common.ChannelHeader.deserializeBinary(header.getChannelHeader_asU8());
      if (channelHeader.getType() !== common.HeaderType.ENDORSER_TRANSACTION) return;
      for (const action of peer.Transaction.deserializeBinary(payload.getData_asU8()).getActionsList()) {
        const endorsed = peer.ChaincodeActionPayload.deserializeBinary(action.getPayload_asU8()).getAction();
        if (!endorsed) continue;
        const response = peer.ProposalResponsePayload.deserializeBinary(endorsed.getProposalResponsePayload_asU8());
        const chaincodeEvents = peer.ChaincodeAction.deserializeBinary(response.getExtension_asU8()).getEvents_asU8();
        if (chaincodeEvents.length === 0) continue;
        const event = peer.ChaincodeEvent.deserializeBinary(chaincodeEvents);
        if (event.getChaincodeId() !== chaincode || event.getEventName() !== CHAINCODE_EVENT_NAME) continue;
        for (const e of eventsOfPayload(event.getPayload_asU8())) {
          e.channel = channel;
          events.push(e);
        }
      }
    });
  return events;
}

/** The channel's blocks from `startBlock` on, then live ones, each with its orchestrator events. */
export async function* blockEvents(
  network: Network,
  chaincode: string,
  startBlock: bigint,
  signal: AbortSignal,
): AsyncGenerator<BlockEvents> {
  let stream;
  try {
    stream = await network.getBlockEvents({ startBlock });
  } catch (err) {
    throw fromFabricError(err);
  }
  const stop = () => stream.close();
  signal.addEventListener('abort', stop, { once: true });
  try {
    for await (const block of stream) {
      const number = BigInt(block.getHeader()?.getNumber() ?? 0);
      yield { block: number, events: eventsOfBlock(block, chaincode, network.getName()) };
    }
  } catch (err) {
    if (!signal.aborted) throw fromFabricError(err);
  } finally {
    signal.removeEventListener('abort', stop);
    stream.close();
  }
}

/** The channel's height (number of blocks) on the peer `network` talks to, from its query system chaincode. */
export async function channelHeight(network: Network): Promise<bigint> {
  try {
    const info = await network.getContract('qscc').evaluateTransaction('GetChainInfo', network.getName());
    return BigInt(common.BlockchainInfo.deserializeBinary(info).getHeight());
  } catch (err) {
    throw fromFabricError(err);
  }
}
