import { fromBinary, toBinary, type Message } from '@bufbuild/protobuf';
import { StatusCode, type Contract, type Status, type Transaction } from '@hyperledger/fabric-gateway';
import { transactionName, type UnaryRpc } from '../../lib/api/index.js';
import { OrcError } from '../../lib/errors/index.js';
import { fromFabricError, isTimeout } from './errors.js';

/** Conflicts with a concurrent transaction: the same request endorsed again may well succeed. */
const RETRYABLE: ReadonlySet<number> = new Set([StatusCode.MVCC_READ_CONFLICT, StatusCode.PHANTOM_READ_CONFLICT]);

export interface InvokeOptions {
  /** How long writes may be retried after read conflicts (ORCHESTRATOR_TX_RETRY_BUDGET). */
  retryBudgetMs: number;
  signal?: AbortSignal;
}

/**
 * Runs one RPC of the table as a chaincode transaction: evaluate for read-only rows (one peer, no ordering), submit
 * for writes (endorsed by every organization the policy needs, ordered, committed).
 */
export async function invokeChaincode(
  contract: Contract,
  rpc: UnaryRpc,
  request: Message,
  options: InvokeOptions,
): Promise<Message> {
  const name = transactionName(rpc);
  const args = [toBinary(rpc.method.input, request)];
  try {
    if (rpc.readOnly) {
      return fromBinary(rpc.method.output, await contract.evaluate(name, { arguments: args }));
    }
    const started = Date.now();
    for (let attempt = 1; ; attempt++) {
      const transaction = await contract.newProposal(name, { arguments: args }).endorse();
      const status = await commit(transaction, started + options.retryBudgetMs, options.signal);
      if (status.successful) return fromBinary(rpc.method.output, transaction.getResult());
      if (!RETRYABLE.has(status.code) || Date.now() - started > options.retryBudgetMs || options.signal?.aborted) {
        const reason = statusName(status.code);
        throw new OrcError(
          RETRYABLE.has(status.code) ? 'Aborted' : 'Internal',
          `transaction ${status.transactionId} was invalidated (${reason}) after ${attempt} attempt(s)`,
        );
      }
      await sleep(Math.min(20 * attempt, 200) * (0.5 + Math.random()));
    }
  } catch (err) {
    throw fromFabricError(err);
  }
}

/**
 * Submits an endorsed transaction and waits for its validation code. A timeout leaves the outcome unknown, so the
 * same signed transaction is looked up (or submitted again: the ledger refuses a duplicate transaction id) rather
 * than endorsed anew — a retry therefore never applies a write twice.
 */
async function commit(transaction: Transaction, deadline: number, signal?: AbortSignal): Promise<Status> {
  let submitted: Awaited<ReturnType<Transaction['submit']>> | undefined;
  for (;;) {
    try {
      submitted ??= await transaction.submit();
      return await submitted.getStatus();
    } catch (err) {
      if (!isTimeout(err) || Date.now() > deadline + 30_000 || signal?.aborted) throw err;
    }
  }
}

function statusName(code: number): string {
  return Object.entries(StatusCode).find(([, value]) => value === code)?.[0] ?? String(code);
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
