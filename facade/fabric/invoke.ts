import { fromBinary, toBinary, type Message } from '@bufbuild/protobuf';
import { status as GrpcCode } from '@grpc/grpc-js';
import {
  EndorseError,
  StatusCode,
  type Commit,
  type Contract,
  type Status,
  type Transaction,
} from '@hyperledger/fabric-gateway';
import { transactionName, type UnaryRpc } from '../../lib/api/index.js';
import { OrcError } from '../../lib/errors/index.js';
import { fromFabricError, isTimeout } from './errors.js';

/** Conflicts with a concurrent transaction: the same request endorsed again may well succeed. */
const RETRYABLE: ReadonlySet<number> = new Set([StatusCode.MVCC_READ_CONFLICT, StatusCode.PHANTOM_READ_CONFLICT]);

export interface InvokeOptions {
  /** How long writes may be retried after read conflicts (ORCHESTRATOR_TX_RETRY_BUDGET). */
  retryBudgetMs: number;
  /** Endorse on these organizations' peers at once (FabricConfig.endorsingOrganizations); empty: the gateway picks. */
  endorsingOrganizations: readonly string[];
  signal?: AbortSignal;
  /** Called once a write is committed on the submitting peer, before the response goes back. */
  afterCommit?: (commit: Commit) => Promise<void>;
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
      const outcome = await write(contract, name, args, started + options.retryBudgetMs, options);
      if (outcome.result) return fromBinary(rpc.method.output, outcome.result);
      if (Date.now() - started > options.retryBudgetMs || options.signal?.aborted) {
        throw new OrcError('Aborted', `${name}: ${outcome.retryBecause}, still after ${attempt} attempt(s)`);
      }
      await sleep(Math.min(20 * attempt, 200) * (0.5 + Math.random()));
    }
  } catch (err) {
    throw fromFabricError(err);
  }
}

/** One attempt at a write: the chaincode's response, or why a fresh attempt may succeed. */
async function write(
  contract: Contract,
  name: string,
  args: Uint8Array[],
  deadline: number,
  options: InvokeOptions,
): Promise<{ result: Uint8Array; retryBecause?: undefined } | { result?: undefined; retryBecause: string }> {
  const transaction = await endorse(contract, name, args, options.endorsingOrganizations);
  if (transaction === undefined) return { retryBecause: 'endorsing peers disagreed' };
  const { status, submitted } = await commit(transaction, deadline, options.signal);
  if (status.successful) {
    await options.afterCommit?.(submitted);
    return { result: transaction.getResult() };
  }
  const reason = `transaction ${status.transactionId} was invalidated (${statusName(status.code)})`;
  if (!RETRYABLE.has(status.code)) throw new OrcError('Internal', reason);
  return { retryBecause: reason };
}

/**
 * Endorses a proposal; undefined when the endorsers disagreed without any of them refusing the request (their ledgers
 * were at different heights while a concurrent transaction committed): a fresh proposal is then worth trying. A
 * refusal by the chaincode carries an OE code and is final.
 */
async function endorse(
  contract: Contract,
  name: string,
  args: Uint8Array[],
  endorsers: readonly string[],
): Promise<Transaction | undefined> {
  try {
    const options =
      endorsers.length > 0 ? { arguments: args, endorsingOrganizations: [...endorsers] } : { arguments: args };
    return await contract.newProposal(name, options).endorse();
  } catch (err) {
    if (err instanceof EndorseError && err.code === GrpcCode.ABORTED && fromFabricError(err).kind === 'Internal') {
      return undefined;
    }
    throw err;
  }
}

/**
 * Submits an endorsed transaction and waits for its validation code. A timeout leaves the outcome unknown, so the
 * same signed transaction is looked up (or submitted again: the ledger refuses a duplicate transaction id) rather
 * than endorsed anew — a retry therefore never applies a write twice.
 */
async function commit(
  transaction: Transaction,
  deadline: number,
  signal?: AbortSignal,
): Promise<{ status: Status; submitted: Commit }> {
  let submitted: Commit | undefined;
  for (;;) {
    try {
      submitted ??= await transaction.submit();
      return { status: await submitted.getStatus(), submitted };
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
