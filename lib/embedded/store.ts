import type { Event } from '../asset/index.js';
import { OrcError } from '../errors/index.js';
import { embeddedDBAL, type EmbeddedDBAL } from './dbal.js';
import {
  appendWrites,
  lastPosition,
  positionOf,
  readAfter,
  readEncodedAfter,
  readOutboxAfter,
  type PositionedEvent,
} from './eventlog.js';
import { openDataFolder } from './folder.js';
import { Keys, positionAttr } from './keys.js';
import type { LevelWrite } from './levelkv.js';
import { LevelReader, type LevelDB } from './reader.js';

/** Called after each commit that logged events: `position` is the last one it assigned in `channel`. */
export type CommitListener = (channel: string, position: bigint) => void;

const encoder = new TextEncoder();
const decoder = new TextDecoder();

/**
 * The embedded ledger: one LevelDB in a data folder, owned by this process alone (folder.ts), holding every
 * channel's world state, its event log and the AMQP outbox cursor (keys.ts).
 *
 * Writes run one at a time, in arrival order (one process owns the folder, so a queue is the whole concurrency
 * control and every history is serial: serializable without retries). Each write's changes — documents, indexes,
 * events, event positions, outbox entries — are committed as ONE LevelDB batch written with `sync: true`: it is on
 * disk before the call is acknowledged, and after a crash it is there entirely or not at all. A call that fails
 * writes nothing (its writes were only in LedgerDB's overlay).
 *
 * Reads run beside the queue, each on an explicit LevelDB snapshot taken when it starts, so one read RPC sees one
 * committed state throughout, even when a batch commits between two of its reads.
 */
export class EmbeddedStore {
  /** The last position assigned (0 = none yet); only the write queue changes it. */
  private last: bigint;
  /** The tail of the write queue. */
  private tail: Promise<unknown> = Promise.resolve();

  private constructor(
    private readonly db: LevelDB,
    readonly dir: string,
    last: bigint,
    private readonly onCommit: CommitListener | undefined,
  ) {
    this.last = last;
  }

  /** @throws {@link DataFolderError} when the folder cannot be used (old PGlite folder, in use, not writable). */
  static async open(dir: string, options: { onCommit?: CommitListener } = {}): Promise<EmbeddedStore> {
    const db = await openDataFolder(dir);
    try {
      return new EmbeddedStore(db, dir, await lastPosition(new LevelReader(db)), options.onCommit);
    } catch (err) {
      await db.close().catch(() => undefined);
      throw err;
    }
  }

  /** Runs `fn` over a DBAL reading one snapshot of the committed state of `channel`. Nothing it writes is kept. */
  async read<T>(channel: string, fn: (dbal: EmbeddedDBAL) => Promise<T>): Promise<T> {
    const snapshot = this.db.snapshot();
    try {
      return await fn(embeddedDBAL(new LevelReader(this.db, snapshot), channel));
    } finally {
      await snapshot.close();
    }
  }

  /**
   * Queues `fn`, runs it alone over a DBAL of `channel`, and commits what it wrote and the events it added in one
   * synced batch. A caller whose `signal` aborts while queued is dropped without running.
   *
   * @throws {@link OrcError} what `fn` throws; Aborted when cancelled while queued; Unavailable when the batch
   * cannot be written (disk full, I/O error).
   */
  write<T>(channel: string, fn: (dbal: EmbeddedDBAL) => Promise<T>, signal?: AbortSignal): Promise<T> {
    const turn = this.tail.then(() => this.runWrite(channel, fn, signal));
    this.tail = turn.catch(() => undefined);
    return turn;
  }

  private async runWrite<T>(channel: string, fn: (dbal: EmbeddedDBAL) => Promise<T>, signal?: AbortSignal): Promise<T> {
    if (signal?.aborted) throw new OrcError('Aborted', 'call cancelled while waiting for earlier writes');
    // No snapshot: the queue makes this the only writer, so the committed state cannot change under it.
    const dbal = embeddedDBAL(new LevelReader(this.db), channel);
    const result = await fn(dbal);
    await dbal.flush();
    const events = dbal.pendingEvents;
    const writes = [...dbal.kv.writes, ...appendWrites(channel, events, this.last + 1n)];
    if (writes.length === 0) return result;
    try {
      await this.commit(writes);
    } catch (err) {
      const detail = err instanceof Error ? (err.cause instanceof Error ? err.cause.message : err.message) : '';
      throw new OrcError('Unavailable', `data folder ${this.dir}: cannot write: ${detail}`, { cause: err });
    }
    if (events.length > 0) {
      this.last += BigInt(events.length);
      this.onCommit?.(channel, this.last);
    }
    return result;
  }

  /**
   * Appends events that were committed elsewhere (a Fabric block, read by the facade's event index) to the log of
   * `channel`, and saves `cursor` (where the reader stands in that source) in the same batch, so the log and the
   * cursor never disagree. Not synced: after a crash the log and the cursor are an earlier pair, and the reader
   * re-reads from there (the source keeps everything).
   */
  appendEvents(channel: string, events: readonly Event[], cursor: { name: string; position: bigint }): Promise<void> {
    const turn = this.tail.then(async () => {
      const writes = appendWrites(channel, events, this.last + 1n);
      writes.push({ type: 'put', key: Keys.meta(cursor.name), value: encoder.encode(positionAttr(cursor.position)) });
      await this.commit(writes, false);
      if (events.length > 0) {
        this.last += BigInt(events.length);
        this.onCommit?.(channel, this.last);
      }
    });
    this.tail = turn.catch(() => undefined);
    return turn;
  }

  /**
   * One atomic batch, synced unless told otherwise. A chained batch, not `db.batch(array)`: the array form copies and re-checks every
   * operation in JavaScript before the native call, which made an 11,000-write RegisterTasks commit 2-3 times
   * slower (200-360 ms against 60-140 ms, measured on this machine).
   */
  private async commit(writes: readonly LevelWrite[], sync = true): Promise<void> {
    const batch = this.db.batch();
    try {
      for (const write of writes) {
        if (write.type === 'put') batch.put(write.key, write.value);
        else batch.del(write.key);
      }
    } catch (err) {
      await batch.close();
      throw err;
    }
    await batch.write({ sync });
  }

  /** The position of event `id` of `channel` (committed state); undefined when unknown. */
  positionOf(channel: string, id: string): Promise<bigint | undefined> {
    return positionOf(new LevelReader(this.db), channel, id);
  }

  /** Up to `limit` committed events of `channel` after position `after`, in log order. */
  readAfter(channel: string, after: bigint, limit: number): Promise<PositionedEvent[]> {
    return readAfter(new LevelReader(this.db), channel, after, limit);
  }

  /** Like readAfter, each event in its stored encoding (its wire form, `channel` set). */
  readEncodedAfter(channel: string, after: bigint, limit: number): Promise<{ bytes: Uint8Array; position: bigint }[]> {
    return readEncodedAfter(new LevelReader(this.db), channel, after, limit);
  }

  /** Up to `limit` committed events of every channel after position `after`, in commit order (the AMQP outbox). */
  readOutboxAfter(after: bigint, limit: number): Promise<PositionedEvent[]> {
    return readOutboxAfter(new LevelReader(this.db), after, limit);
  }

  /** A position saved under `name` (0 when never saved). */
  async loadCursor(name: string): Promise<bigint> {
    const bytes = await this.db.get(Keys.meta(name));
    return bytes === undefined ? 0n : BigInt(decoder.decode(bytes));
  }

  /** Saves `position` under `name`, synced, never moving it backwards. */
  async saveCursor(name: string, position: bigint): Promise<void> {
    if (position <= (await this.loadCursor(name))) return;
    await this.db.put(Keys.meta(name), encoder.encode(positionAttr(position)), { sync: true });
  }

  /** @throws Error when the database is not open (closed, or failed). */
  checkOpen(): void {
    if (this.db.status !== 'open') throw new Error(`data folder ${this.dir}: database ${this.db.status}`);
  }

  /** Waits for the queued writes, then closes the database (and releases the folder's lock). */
  async close(): Promise<void> {
    await this.tail;
    await this.db.close();
  }
}
