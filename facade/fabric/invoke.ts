import { setTimeout as sleep } from 'node:timers/promises';
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
import {
  BATCH_TRANSACTION,
  decodeBatchResponse,
  encodeBatchRequest,
  transactionName,
  type BatchCall,
  type UnaryRpc,
} from '../../lib/api/index.js';
import { OrcError, orcErrorFromText } from '../../lib/errors/index.js';
import { fromFabricError, isTimeout } from './errors.js';

/** Conflicts with a concurrent transaction: the same request endorsed again may well succeed. */
const RETRYABLE: ReadonlySet<number> = new Set([StatusCode.MVCC_READ_CONFLICT, StatusCode.PHANTOM_READ_CONFLICT]);

/** How long past the retry budget the outcome of a transaction already submitted is still looked up after timeouts. */
const OUTCOME_GRACE_MS = 30_000;

export interface InvokeOptions {
  /** How long writes may be retried after read conflicts (ORCHESTRATOR_TX_RETRY_BUDGET). */
  retryBudgetMs: number;
  /** Endorse on these organizations' peers at once (FabricConfig.endorsingOrganizations); empty: the gateway picks. */
  endorsingOrganizations: readonly string[];
  signal?: AbortSignal;
  /** Called once a write is committed on the submitting peer, before the response goes back. */
  afterCommit?: (commit: Commit) => Promise<void>;
  /** Called after each endorsement of a write, successful or not. */
  endorsed?: () => void;
  /** The proposal's transient map (a write's idempotency key: lib/idempotency transient.ts). */
  transientData?: Record<string, Uint8Array>;
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
  const bytes = toBinary(rpc.method.input, request);
  if (!rpc.readOnly) return fromBinary(rpc.method.output, await submitWrite(contract, name, bytes, options));
  try {
    return fromBinary(rpc.method.output, await contract.evaluate(name, { arguments: [bytes] }));
  } catch (err) {
    throw fromFabricError(err);
  }
}

/** Submits one write (`name`: its transaction name), retrying read conflicts within the budget; the response bytes. */
export async function submitWrite(
  contract: Contract,
  name: string,
  request: Uint8Array,
  options: InvokeOptions,
): Promise<Uint8Array> {
  const args = [request];
  try {
    const started = Date.now();
    for (let attempt = 1; ; attempt++) {
      const outcome = await write(contract, name, args, started + options.retryBudgetMs + OUTCOME_GRACE_MS, options);
      if (outcome.result) return outcome.result;
      await backOff(name, outcome.retryBecause, attempt, started, options);
    }
  } catch (err) {
    throw fromFabricError(err);
  }
}

/**
 * Submits writes as one batch transaction (lib/api/batch.ts); one result per call, in order. A call the chaincode
 * refuses gets its error, and the others are endorsed again without it, so that a refused request never reaches
 * the orderer, as when it travels alone. Conflicts retry the whole batch, as they would a single write.
 */
export async function submitBatch(
  contract: Contract,
  calls: readonly BatchCall[],
  options: InvokeOptions,
): Promise<(Uint8Array | OrcError)[]> {
  const results: (Uint8Array | OrcError)[] = [];
  let pending = calls.map((_, index) => index);
  try {
    const started = Date.now();
    for (let attempt = 1; pending.length > 0; attempt++) {
      const args = [encodeBatchRequest(pending.map((index) => calls[index] as BatchCall))];
      const transaction = await endorse(contract, BATCH_TRANSACTION, args, options);
      let retryBecause = 'endorsing peers disagreed';
      if (transaction !== undefined) {
        const outcomes = decodeBatchResponse(transaction.getResult());
        if (outcomes.length !== pending.length) {
          throw new OrcError('Internal', `a batch of ${pending.length} calls answered ${outcomes.length} outcomes`);
        }
        const refused = new Set<number>();
        outcomes.forEach((outcome, i) => {
          if (outcome.error === undefined) return;
          const index = pending[i] as number;
          results[index] = orcErrorFromText(outcome.error) ?? new OrcError('Internal', outcome.error);
          refused.add(index);
        });
        if (refused.size > 0) {
          pending = pending.filter((index) => !refused.has(index));
          continue;
        }
        const { status, submitted } = await commit(transaction, started + options.retryBudgetMs + OUTCOME_GRACE_MS);
        if (status.successful) {
          await options.afterCommit?.(submitted);
          outcomes.forEach((outcome, i) => (results[pending[i] as number] = outcome.response as Uint8Array));
          return results;
        }
        retryBecause = `transaction ${status.transactionId} was invalidated (${statusName(status.code)})`;
        if (!RETRYABLE.has(status.code)) throw new OrcError('Internal', retryBecause);
      }
      await backOff(BATCH_TRANSACTION, retryBecause, attempt, started, options);
    }
    return results;
  } catch (err) {
    throw fromFabricError(err);
  }
}

/** Waits before another attempt, or gives up once the retry budget is spent or the caller has gone. */
async function backOff(
  name: string,
  retryBecause: string,
  attempt: number,
  started: number,
  options: InvokeOptions,
): Promise<void> {
  if (Date.now() - started > options.retryBudgetMs || options.signal?.aborted) {
    throw new OrcError('Aborted', `${name}: ${retryBecause}, still after ${attempt} attempt(s)`);
  }
  await sleep(Math.min(20 * attempt, 200) * (0.5 + Math.random()));
}

/** One attempt at a write: the chaincode's response, or why a fresh attempt may succeed. */
async function write(
  contract: Contract,
  name: string,
  args: Uint8Array[],
  outcomeDeadline: number,
  options: InvokeOptions,
): Promise<{ result: Uint8Array; retryBecause?: undefined } | { result?: undefined; retryBecause: string }> {
  const transaction = await endorse(contract, name, args, options);
  if (transaction === undefined) return { retryBecause: 'endorsing peers disagreed' };
  const { status, submitted } = await commit(transaction, outcomeDeadline, options.signal);
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
  { endorsingOrganizations: endorsers, endorsed, transientData }: InvokeOptions,
): Promise<Transaction | undefined> {
  try {
    const options = {
      arguments: args,
      ...(endorsers.length > 0 ? { endorsingOrganizations: [...endorsers] } : {}),
      ...(transientData ? { transientData } : {}),
    };
    return await contract.newProposal(name, options).endorse();
  } catch (err) {
    if (err instanceof EndorseError && err.code === GrpcCode.ABORTED && fromFabricError(err).kind === 'Internal') {
      return undefined;
    }
    throw err;
  } finally {
    endorsed?.();
  }
}

/**
 * Submits an endorsed transaction and waits for its validation code. A timeout leaves the outcome unknown, so the
 * same signed transaction is looked up (or submitted again: the ledger refuses a duplicate transaction id) rather
 * than endorsed anew — a retry therefore never applies a write twice.
 */
async function commit(
  transaction: Transaction,
  outcomeDeadline: number,
  signal?: AbortSignal,
): Promise<{ status: Status; submitted: Commit }> {
  let submitted: Commit | undefined;
  for (;;) {
    try {
      submitted ??= await transaction.submit();
      return { status: await submitted.getStatus(), submitted };
    } catch (err) {
      if (!isTimeout(err) || Date.now() > outcomeDeadline || signal?.aborted) throw err;
    }
  }
}

function statusName(code: number): string {
  return Object.entries(StatusCode).find(([, value]) => value === code)?.[0] ?? String(code);
}
