import type { BatchCall } from '../../lib/api/index.js';
import { OrcError } from '../../lib/errors/index.js';

export interface BatchingOptions {
  /**
   * Transactions of one organization on one channel being endorsed at once; writes arriving meanwhile wait and
   * leave together as one batch once an endorsement completes.
   */
  maxEndorsing: number;
  /** Calls per batch transaction (1: no batching). */
  maxCalls: number;
  /** Request bytes per batch transaction; a larger call still goes alone. */
  maxBytes: number;
}

/**
 * How a lane reaches the ledger: one call as its own transaction, or several as one batch transaction. Each calls
 * `endorsed` once its transaction is endorsed (or has failed), when ordering and commit are all that is left.
 */
export interface LaneTransport {
  one(call: BatchCall, endorsed: () => void): Promise<Uint8Array>;
  /** One result per call, in order: the response bytes, or the error that call alone failed with. */
  many(calls: BatchCall[], endorsed: () => void): Promise<(Uint8Array | OrcError)[]>;
}

interface Waiting {
  call: BatchCall;
  signal: AbortSignal | undefined;
  resolve(response: Uint8Array): void;
  reject(err: unknown): void;
}

/**
 * The writes of one organization on one channel. While fewer than `maxEndorsing` transactions are being endorsed a
 * write leaves at once, alone, so a lightly loaded facade adds no latency. Beyond that, writes queue, and each
 * endorsement that completes lets the queue out as one batch: the batch grows with the load, and the per-transaction
 * cost of Fabric (signatures, endorsements, ordering, validation) is shared by every call in it.
 *
 * Only endorsement is limited, not the whole life of a transaction: ordering waits for the block to be cut (up to
 * the orderer's batch timeout), and holding writes back for that long would leave every block with a single batch
 * and double the latency of the writes that waited.
 */
export class WriteLane {
  private readonly queue: Waiting[] = [];
  private endorsing = 0;

  constructor(
    private readonly options: BatchingOptions,
    private readonly transport: LaneTransport,
  ) {}

  write(call: BatchCall, signal?: AbortSignal): Promise<Uint8Array> {
    return new Promise((resolve, reject) => {
      this.queue.push({ call, signal, resolve, reject });
      this.pump();
    });
  }

  /** Calls waiting for a free slot (for tests and metrics). */
  get waiting(): number {
    return this.queue.length;
  }

  private pump(): void {
    while (this.endorsing < this.options.maxEndorsing) {
      const group = this.take();
      if (group.length === 0) return;
      this.endorsing++;
      let released = false;
      const release = (): void => {
        if (released) return;
        released = true;
        this.endorsing--;
        this.pump();
      };
      void this.dispatch(group, release).finally(release);
    }
  }

  /** The next calls to send: the oldest first, then as many as fit. A caller that gave up before is dropped. */
  private take(): Waiting[] {
    const group: Waiting[] = [];
    let bytes = 0;
    while (this.queue.length > 0 && group.length < this.options.maxCalls) {
      const next = this.queue[0] as Waiting;
      if (next.signal?.aborted) {
        // Never sent, so never applied: the caller learns it was cancelled, which is the truth.
        this.queue.shift();
        next.reject(new OrcError('Aborted', 'the call was cancelled before it was sent to the ledger'));
        continue;
      }
      const size = next.call.request.byteLength;
      if (group.length > 0 && bytes + size > this.options.maxBytes) break;
      group.push(next);
      bytes += size;
      this.queue.shift();
    }
    return group;
  }

  private async dispatch(group: Waiting[], endorsed: () => void): Promise<void> {
    try {
      if (group.length === 1) {
        const [only] = group as [Waiting];
        only.resolve(await this.transport.one(only.call, endorsed));
        return;
      }
      const results = await this.transport.many(
        group.map((w) => w.call),
        endorsed,
      );
      group.forEach((waiting, i) => {
        const result = results[i];
        if (result instanceof Uint8Array) waiting.resolve(result);
        else waiting.reject(result ?? new OrcError('Internal', 'the batch transaction answered fewer calls than sent'));
      });
    } catch (err) {
      for (const waiting of group) waiting.reject(err);
    }
  }
}
