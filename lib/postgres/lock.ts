// Serialising the write transactions of one channel (the why and the ordering argument: transaction.ts).
//
//  - In process: a FIFO queue per key, waited on outside any transaction and before a pooled connection is taken
//    (queued writers hold no connection, so readers keep the pool), with a bounded, cancellable wait.
//  - Across processes (several orchestrators on one database): a transaction-level advisory lock TRIED (never waited
//    for) by the first statement of the transaction, sent with BEGIN in one round trip. Busy → the transaction rolls
//    back at once and the writer waits outside any transaction before trying again. Being transaction-level, the
//    lock ends with the transaction: a lost or pooled connection can never keep it.
import { createHash } from 'node:crypto';
import { OrcError } from '../errors/index.js';

interface WaitOptions {
  /** Longest wait for the lock (ms), after which the call fails with Aborted. Default: no limit. */
  timeoutMs?: number;
  /** Aborting it while the call waits for the lock fails the call with Aborted (the holder is not disturbed). */
  signal?: AbortSignal;
}

/**
 * Channel locks use the two-int4 advisory key space (pg_*_advisory_*(int, int)), which PostgreSQL keeps apart from
 * the bigint one of the events lock (store/events.ts): 'orcx' in ASCII, then a hash of the key.
 */
const LOCK_CLASS = 0x6f726378;

/** A stable int4 for a key (two keys sharing a hash merely serialise with each other). */
function lockHash(key: string): number {
  return createHash('sha256').update(key).digest().readInt32BE(0);
}

/** The statement that tries the transaction-level lock of `key`; one row `{ ok: boolean }`. Integers only inline. */
export function tryLockStatement(key: string): string {
  return `SELECT pg_try_advisory_xact_lock(${LOCK_CLASS}, ${lockHash(key)}) AS ok`;
}

/** Delay before trying a lock held by another process again: 1, 2, 4… ms up to 50, jittered. */
export function pollDelayMs(failures: number): number {
  return Math.min(50, 2 ** failures) * (0.5 + Math.random() / 2);
}

/** Why a wait for the lock of `key` ended without it. */
export function lockWaitFailed(key: string, waitedMs: number, aborted: boolean): OrcError {
  return new OrcError(
    'Aborted',
    aborted
      ? `request cancelled after waiting ${waitedMs} ms for the concurrent writes of channel "${key}"`
      : `gave up after waiting ${waitedMs} ms for the concurrent writes of channel "${key}" (lock wait limit)`,
  );
}

interface Waiter {
  grant(): void;
}

/** Per-key FIFO mutex with bounded, cancellable waits. */
export class KeyedMutex {
  /** Present = held; the array holds the waiters in arrival order. */
  private readonly queues = new Map<string, Waiter[]>();

  /** Resolves with an idempotent release function once the caller holds `key`. */
  acquire(key: string, options: WaitOptions = {}): Promise<() => void> {
    const started = Date.now();
    const { signal, timeoutMs } = options;
    if (signal?.aborted) return Promise.reject(lockWaitFailed(key, 0, true));
    const queue = this.queues.get(key);
    if (queue === undefined) {
      this.queues.set(key, []);
      return Promise.resolve(this.releaser(key));
    }
    return new Promise((resolve, reject) => {
      let timer: NodeJS.Timeout | undefined;
      const cleanup = (): void => {
        if (timer !== undefined) clearTimeout(timer);
        signal?.removeEventListener('abort', onAbort);
      };
      const giveUp = (aborted: boolean): void => {
        const i = queue.indexOf(waiter);
        if (i < 0) return; // already granted
        queue.splice(i, 1);
        cleanup();
        reject(lockWaitFailed(key, Date.now() - started, aborted));
      };
      const onAbort = (): void => giveUp(true);
      const waiter: Waiter = {
        grant: () => {
          cleanup();
          resolve(this.releaser(key));
        },
      };
      queue.push(waiter);
      if (timeoutMs !== undefined) timer = setTimeout(() => giveUp(false), Math.max(0, timeoutMs));
      signal?.addEventListener('abort', onAbort, { once: true });
    });
  }

  /** Whether anybody holds `key` (for tests). */
  isHeld(key: string): boolean {
    return this.queues.has(key);
  }

  private releaser(key: string): () => void {
    let released = false;
    return () => {
      if (released) return;
      released = true;
      const queue = this.queues.get(key);
      const next = queue?.shift();
      if (next) next.grant();
      else this.queues.delete(key);
    };
  }
}
