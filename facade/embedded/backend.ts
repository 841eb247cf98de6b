// The backend of the embedded mode (the default): the business logic runs here, over LedgerDB in one LevelDB in the
// data folder (lib/embedded). Data flow of a write (ARCHITECTURE §4): write queue → runCall (clock = now, events buffered)
// → events get ids and positions → ONE synced batch → in-process wake-up of stream subscribers and of the AMQP
// outbox. A read runs on a LevelDB snapshot, beside the queue.
import type { DescMessage, MessageShape } from '@bufbuild/protobuf';
import type { UnaryRpc } from '../../lib/api/index.js';
import type { Event } from '../../lib/asset/index.js';
import { DataFolderError, EmbeddedStore, type EmbeddedDBAL } from '../../lib/embedded/index.js';
import { KVIdempotencyRecords } from '../../lib/ledger/index.js';
import type { Backend, CallContext, CallObserver, VerifiedLedger } from '../backend.js';
import { Encoded } from '../encoded.js';
import { EventHub } from '../events/hub.js';
import { logStream } from '../events/logstream.js';
import { importInProcess, invokeInProcess, type Attempt } from '../inprocess.js';
import { subscribe, type PositionedEventStore } from '../events/subscriber.js';
import { StartupError } from '../startup.js';
import { LevelOutbox } from './outbox.js';

interface EmbeddedBackendOptions {
  /** ORCHESTRATOR_DATA_DIR. */
  dataDir: string;
  replayEventsBatchSize: number;
  /** How long an idempotency key answers retries (ORCHESTRATOR_IDEMPOTENCY_WINDOW; default 24h). */
  idempotencyWindowMs?: number;
  /** Told of every finished call (metrics). */
  observer?: CallObserver;
}

export class EmbeddedBackend implements Backend {
  readonly storage = 'leveldb';
  readonly outbox: LevelOutbox;
  /** The log as streams read it: stored bytes sent as they are, one read shared by subscribers at the same place. */
  private readonly streamed: PositionedEventStore<Encoded>;

  private constructor(
    private readonly store: EmbeddedStore,
    private readonly hub: EventHub,
    private readonly options: EmbeddedBackendOptions,
  ) {
    this.outbox = new LevelOutbox(store, hub);
    this.streamed = logStream(store, hub);
  }

  /**
   * Opens the data folder for this process alone.
   *
   * @throws {@link StartupError} when the folder cannot be used (in use, old PGlite folder, not writable): one line
   * that names it.
   */
  static async open(options: EmbeddedBackendOptions): Promise<EmbeddedBackend> {
    const hub = new EventHub();
    try {
      const store = await EmbeddedStore.open(options.dataDir, {
        onCommit: (channel, position) => hub.dispatch({ channel, position }),
      });
      return new EmbeddedBackend(store, hub, options);
    } catch (err) {
      if (err instanceof DataFolderError) throw new StartupError(err.message, { cause: err });
      throw err;
    }
  }

  /**
   * Writes queue (lib/embedded EmbeddedStore: one at a time, so no conflicts and no retries) and commit with their
   * events in one synced batch; a client cancelling while its write is queued drops it. Reads run at once on a
   * snapshot. The rest of the call is facade/inprocess.ts, shared with PostgreSQL mode.
   */
  invoke<I extends DescMessage, O extends DescMessage>(
    rpc: UnaryRpc<I, O>,
    request: MessageShape<I>,
    caller: CallContext,
  ): Promise<MessageShape<O>> {
    return invokeInProcess(rpc, request, caller, this.options, (attempt: Attempt<EmbeddedDBAL, MessageShape<O>>) =>
      rpc.readOnly
        ? this.store.read(caller.channel, attempt)
        : // Records go straight to the call's LevelKV, whose writes commit in the call's one batch.
          this.store.write(caller.channel, (dbal) => attempt(dbal, new KVIdempotencyRecords(dbal.kv)), caller.signal),
    );
  }

  /** One queued write like any other: the whole ledger is one synced batch. */
  importLedger(ledger: VerifiedLedger, caller: CallContext): Promise<number> {
    return importInProcess(ledger, caller, (apply: (dbal: EmbeddedDBAL) => Promise<number>) =>
      this.store.write(caller.channel, apply, caller.signal),
    );
  }

  /** Readiness: the folder's database is open (it is in this process: there is no connection to lose). */
  async checkStorage(): Promise<void> {
    this.store.checkOpen();
  }

  subscribe(startEventId: string, caller: CallContext): AsyncIterable<Event | Encoded> {
    // The store's log, read by position (facade/events/subscriber.ts).
    return subscribe(this.streamed, this.hub, {
      channel: caller.channel,
      startEventId,
      batchSize: this.options.replayEventsBatchSize,
      signal: caller.signal,
    });
  }

  async close(): Promise<void> {
    this.outbox.close();
    await this.hub.close();
    await this.store.close();
  }
}
