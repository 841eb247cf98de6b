// One call of the modes whose ledger logic runs in this process (embedded and PostgreSQL): what both backends do
// around runCall, whatever their transactions look like.
import { randomUUID } from 'node:crypto';
import type { DescMessage, MessageShape } from '@bufbuild/protobuf';
import { runCall, type UnaryRpc } from '../lib/api/index.js';
import type { Event } from '../lib/asset/index.js';
import { applyLedger, ledgerRecords, requireEmptyChannel } from '../lib/migration/index.js';
import type { DBAL } from '../lib/persistence/index.js';
import { wallClock } from '../lib/service/index.js';
import type { CallContext, CallObserver, VerifiedLedger } from './backend.js';

/**
 * Runs `rpc` through `transact`, the backend's own transaction (which may run the call more than once: each attempt
 * gets a fresh clock, provider and event buffer). Inside it the call's events get their ids (UUIDs, as Substra's
 * standalone mode; the chaincode derives its own) and are stored through the transaction's DBAL, so they exist
 * exactly when the change they describe does. The observer hears of the outcome once the transaction is over.
 */
export async function invokeInProcess<I extends DescMessage, O extends DescMessage, D extends DBAL>(
  rpc: UnaryRpc<I, O>,
  request: MessageShape<I>,
  caller: CallContext,
  observer: CallObserver | undefined,
  transact: (call: (dbal: D) => Promise<MessageShape<O>>) => Promise<MessageShape<O>>,
): Promise<MessageShape<O>> {
  let committed: Event[] = [];
  const call = async (dbal: D): Promise<MessageShape<O>> => {
    const scope = { dbal, clock: wallClock(), requester: caller.mspid, channel: caller.channel };
    const { response, events } = await runCall(rpc, request, scope);
    if (events.length > 0) {
      for (const event of events) event.id = randomUUID();
      await dbal.addEvents(events);
    }
    committed = events;
    return response;
  };
  try {
    const response = await transact(call);
    observer?.committed(rpc as UnaryRpc, caller.channel, committed);
    return response;
  } catch (err) {
    observer?.rolledBack(rpc as UnaryRpc);
    throw err;
  }
}

/**
 * Imports a verified ledger file inside `transact`, the backend's own single transaction: the channel must be
 * empty, then every record is written through the DBAL (lib/migration), events with their original ids.
 */
export function importInProcess<D extends DBAL>(
  ledger: VerifiedLedger,
  caller: CallContext,
  transact: (apply: (dbal: D) => Promise<number>) => Promise<number>,
): Promise<number> {
  return transact(async (dbal) => {
    await requireEmptyChannel(dbal, caller.channel);
    return applyLedger(dbal, ledgerRecords(ledger.lines()), caller.channel);
  });
}
