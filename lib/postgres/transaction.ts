// One RPC = one transaction. Writes run SERIALIZABLE and are retried from scratch on serialization failures and
// deadlocks while a time budget lasts (Substra's ORCHESTRATOR_TX_RETRY_BUDGET); with a key (the channel) they also
// run one at a time per key, so that writers of one channel wait for each other instead of aborting each other.
// Reads run outside transactions (each statement is READ COMMITTED on its own), SELECT only, and never wait for writers.
import { setTimeout as sleep } from 'node:timers/promises';
import { OrcError } from '../errors/index.js';
import { isConnectionError, isRetryable, toOrcError } from './errors.js';
import { KeyedMutex, lockWaitFailed, pollDelayMs, tryLockStatement } from './lock.js';
import type { DbHandle, Queryable, Row } from './sql.js';

/** How runInTransaction runs and retries one unit of work. */
export interface TransactionOptions {
  readOnly: boolean;
  /** How long (ms since the first attempt) a conflicting write may keep retrying. Default 500 (Substra's CI value). */
  retryBudgetMs?: number;
  /**
   * Writes only: run this transaction only once every earlier write given the same key (PostgresBackend: the channel),
   * in this process or another, has finished (see runInTransaction). Without it, concurrent writes rely on
   * SERIALIZABLE and retries alone. Ignored for reads.
   */
  exclusiveKey?: string;
  /** Longest wait (ms) for the earlier writes of `exclusiveKey`, then Aborted. Default DEFAULT_LOCK_WAIT_MS. */
  lockWaitMs?: number;
  /** Aborting it while the transaction waits for `exclusiveKey` fails it with Aborted (a started attempt goes on). */
  signal?: AbortSignal;
}

const DEFAULT_RETRY_BUDGET_MS = 500;
/** Default bound of the wait for `exclusiveKey`: long enough to queue behind many large batches on a busy server. */
const DEFAULT_LOCK_WAIT_MS = 30_000;

/** Attempt number (1-based) of the current run of fn, for metrics and tests. */
export interface TransactionInfo {
  attempt: number;
}

/** Small jittered exponential backoff: spreads colliding writers without eating the budget (1, 2, 4… ≤ 20 ms). */
function backoffMs(attempt: number): number {
  const cap = Math.min(20, 2 ** (attempt - 1));
  return Math.random() * cap;
}

/**
 * A Queryable that remembers the first failed statement. In PostgreSQL any error aborts the transaction, and a
 * COMMIT of an aborted transaction silently rolls back; if fn swallowed an error we must not report success.
 */
function guarded(q: Queryable): { q: Queryable; failure: () => unknown } {
  let failed: { err: unknown } | undefined;
  const track = async <T>(p: Promise<T>): Promise<T> => {
    try {
      return await p;
    } catch (err) {
      failed ??= { err };
      throw err;
    }
  };
  return {
    q: {
      query: <R extends Row = Row>(text: string, params?: readonly unknown[]) => track(q.query<R>(text, params)),
      exec: (script: string) => track(q.exec(script)),
    },
    failure: () => failed?.err,
  };
}

/** Reads are SELECT statements; anything else in a read-only call is a bug of ours, refused before it runs. */
const READ_STATEMENT = /^\s*SELECT\b/i;

function readOnlyStatements(q: Queryable): Queryable {
  const refuse = (text: string): Promise<never> =>
    Promise.reject(new OrcError('Internal', `a read-only call tried to run: ${text.slice(0, 60)}`));
  return {
    query: <R extends Row = Row>(text: string, params?: readonly unknown[]) =>
      READ_STATEMENT.test(text) ? q.query<R>(text, params) : refuse(text),
    exec: (script: string) => refuse(script),
  };
}

/** An attempt found the key locked by another process; it rolled back before running fn. */
class LockBusy extends Error {
  override readonly name = 'LockBusy';
}

/** One attempt: fn in a fresh transaction on `raw`, committed, or rolled back when anything failed. */
async function attemptOnce<T>(
  raw: Queryable,
  begin: string,
  tryLock: string | undefined,
  fn: (q: Queryable, info: TransactionInfo) => Promise<T>,
  attempt: number,
): Promise<T> {
  try {
    if (tryLock === undefined) {
      await raw.query(begin);
    } else {
      // One round trip (simple protocol); the lock attempt is the transaction's first statement.
      const [row] = await raw.query<{ ok: boolean }>(`${begin}; ${tryLock}`);
      if (row?.ok !== true) throw new LockBusy('exclusive key held by another session');
    }
    const { q, failure } = guarded(raw);
    const result = await fn(q, { attempt });
    const swallowed = failure();
    if (swallowed !== undefined) throw swallowed;
    await raw.query('COMMIT');
    return result;
  } catch (err) {
    // A failed ROLLBACK means the connection is gone: rethrow that raw error so the pg handle discards the
    // connection instead of pooling it mid-transaction. (After a failed BEGIN, ROLLBACK merely warns.)
    try {
      await raw.query('ROLLBACK');
    } catch (rollbackErr) {
      throw isConnectionError(rollbackErr) ? rollbackErr : err;
    }
    throw err;
  }
}

/** Runs attempts until one succeeds, a non-retryable error occurs (as an OrcError) or the budget is spent. */
async function retrying<T>(budget: number, run: (attempt: number) => Promise<T>): Promise<T> {
  const started = Date.now();
  for (let attempt = 1; ; attempt++) {
    try {
      return await run(attempt);
    } catch (err) {
      if (!isRetryable(err)) throw toOrcError(err);
      const delay = backoffMs(attempt);
      const elapsed = Date.now() - started;
      if (elapsed + delay >= budget) {
        throw new OrcError(
          'Aborted',
          `transaction aborted after ${attempt} attempt(s) in ${elapsed} ms: concurrent updates (retry budget ${budget} ms)`,
          { cause: err },
        );
      }
      await sleep(delay);
    }
  }
}

/** The in-process queues of each database handle. */
const queues = new WeakMap<DbHandle, KeyedMutex>();

function queueOf(db: DbHandle): KeyedMutex {
  let queue = queues.get(db);
  if (queue === undefined) queues.set(db, (queue = new KeyedMutex()));
  return queue;
}

/**
 * Runs fn inside one transaction and commits. On SQLSTATE 40001/40P01 (including at COMMIT) the whole of fn runs
 * again in a brand-new transaction, so fn must have no effect outside the database before it returns (buffer
 * events, do not send anything, do not mutate shared state) and must not depend on state a failed attempt left
 * behind. Errors come out as OrcErrors: Aborted once the retry budget is spent or the wait for `exclusiveKey` ended,
 * Unavailable when the database cannot be reached, the matching kind for constraint violations (see errors.ts);
 * non-database errors unchanged.
 *
 * `exclusiveKey` (writes only) makes the writes of one key run one after the other, none of them ever waiting inside
 * a transaction: a SERIALIZABLE snapshot is taken by the first statement after BEGIN, so a transaction that waited
 * for a lock would read a snapshot older than the commit it waited for, and fail with 40001 at the end (the trap
 * that rules out a blocking lock inside the transaction). Hence:
 *  - in this process, writers of the key queue (FIFO) before taking a connection and sending BEGIN; the next one
 *    BEGINs only after the previous one's COMMIT returned, so its snapshot contains every earlier write of the key
 *    and no write of the key is concurrent with it: SSI has nothing to abort among them;
 *  - against other processes, the first statement tries (without waiting) a transaction-level advisory lock of the
 *    key, held until COMMIT/ROLLBACK; if busy, the attempt rolls back before fn runs and the writer waits outside
 *    any transaction, within `lockWaitMs` and `signal`. PostgreSQL releases the lock only once the holder's commit is
 *    visible, so the snapshot of the statement that gets it misses that commit only if it landed in the microseconds
 *    between taking the snapshot and trying the lock: SSI then aborts it and it is retried.
 * SERIALIZABLE and the retries stay the guarantee; the key only removes the conflicts among writers of one key (and
 * writers of other keys still conflict occasionally, e.g. on shared index pages). The retry budget applies to those
 * conflicts; the time spent queued is bounded by `lockWaitMs`/`signal` instead, since under load a fair queue
 * legitimately outlasts the budget.
 */
export async function runInTransaction<T>(
  db: DbHandle,
  options: TransactionOptions,
  fn: (q: Queryable, info: TransactionInfo) => Promise<T>,
): Promise<T> {
  const budget = options.retryBudgetMs ?? DEFAULT_RETRY_BUDGET_MS;
  if (options.readOnly) {
    // READ COMMITTED gives every statement its own snapshot, in a transaction or not: BEGIN and COMMIT around a read
    // added two round trips (two of the three of a GetTask) and no consistency. What READ ONLY guarded is kept by
    // readOnlyStatements.
    return retrying(budget, (attempt) => db.session((raw) => fn(readOnlyStatements(raw), { attempt })));
  }
  const begin = 'BEGIN ISOLATION LEVEL SERIALIZABLE READ WRITE';
  const key = options.exclusiveKey;
  if (key === undefined) {
    return retrying(budget, (attempt) => db.session((raw) => attemptOnce(raw, begin, undefined, fn, attempt)));
  }
  const { signal } = options;
  const waitMs = options.lockWaitMs ?? DEFAULT_LOCK_WAIT_MS;
  const started = Date.now();
  const dequeue = await queueOf(db).acquire(key, { timeoutMs: waitMs, signal });
  try {
    const tryLock = tryLockStatement(key);
    for (let busy = 0; ; busy++) {
      try {
        return await retrying(budget, (attempt) => db.session((raw) => attemptOnce(raw, begin, tryLock, fn, attempt)));
      } catch (err) {
        if (!(err instanceof LockBusy)) throw err;
        const aborted = signal?.aborted ?? false;
        const waited = Date.now() - started;
        if (aborted || waited >= waitMs) throw lockWaitFailed(key, waited, aborted);
        await sleep(Math.min(waitMs - waited, pollDelayMs(busy)));
      }
    }
  } finally {
    dequeue();
  }
}
