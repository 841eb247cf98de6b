// One RPC = one transaction. Writes run SERIALIZABLE and are retried from scratch on serialization failures and
// deadlocks while a time budget lasts (Substra's ORCHESTRATOR_TX_RETRY_BUDGET); reads run READ COMMITTED READ ONLY.
import { OrcError } from '../errors/index.js';
import { isConnectionError, isRetryable, toOrcError } from './errors.js';
import type { DbHandle, Queryable, Row } from './sql.js';

export interface TransactionOptions {
  readOnly: boolean;
  /** How long (ms since the first attempt) a conflicting write may keep retrying. Default 500 (Substra's CI value). */
  retryBudgetMs?: number;
}

export const DEFAULT_RETRY_BUDGET_MS = 500;

/** Attempt number (1-based) of the current run of fn, for metrics and tests. */
export interface TransactionInfo {
  attempt: number;
}

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

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

/**
 * Runs fn inside one transaction and commits. On SQLSTATE 40001/40P01 (including at COMMIT) the whole of fn runs
 * again in a brand-new transaction, so fn must have no effect outside the database before it returns (buffer
 * events, do not send anything, do not mutate shared state) and must not depend on state a failed attempt left
 * behind. Errors come out as OrcErrors: Aborted once the retry budget is spent, Unavailable when the database
 * cannot be reached, the matching kind for constraint violations (see errors.ts); non-database errors unchanged.
 */
export async function runInTransaction<T>(
  db: DbHandle,
  options: TransactionOptions,
  fn: (q: Queryable, info: TransactionInfo) => Promise<T>,
): Promise<T> {
  const budget = options.retryBudgetMs ?? DEFAULT_RETRY_BUDGET_MS;
  const begin = options.readOnly
    ? 'BEGIN ISOLATION LEVEL READ COMMITTED READ ONLY'
    : 'BEGIN ISOLATION LEVEL SERIALIZABLE READ WRITE';
  const started = Date.now();
  for (let attempt = 1; ; attempt++) {
    try {
      return await db.session(async (raw) => {
        await raw.query(begin);
        const { q, failure } = guarded(raw);
        try {
          const result = await fn(q, { attempt });
          const swallowed = failure();
          if (swallowed !== undefined) throw swallowed;
          await raw.query('COMMIT');
          return result;
        } catch (err) {
          // A failed ROLLBACK means the connection is gone: rethrow that raw error so the pg handle discards the
          // connection instead of pooling it mid-transaction.
          try {
            await raw.query('ROLLBACK');
          } catch (rollbackErr) {
            throw isConnectionError(rollbackErr) ? rollbackErr : err;
          }
          throw err;
        }
      });
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
