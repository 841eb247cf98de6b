// The backend of the standalone mode (PostgreSQL at ORCHESTRATOR_DATABASE_URL): the business logic runs here, each
// unary RPC in one database transaction (ARCHITECTURE §3–4). The embedded mode has its own: facade/embedded.
import type { DescMessage, MessageShape } from '@bufbuild/protobuf';
import type { UnaryRpc } from '../../lib/api/index.js';
import type { Event } from '../../lib/asset/index.js';
import type { DBAL } from '../../lib/persistence/index.js';
import {
  openPostgres,
  postgresDBAL,
  runInTransaction,
  SqlIdempotencyRecords,
  type DbHandle,
} from '../../lib/postgres/index.js';
import type { Backend, CallContext, CallObserver, VerifiedLedger } from '../backend.js';
import type { Encoded } from '../encoded.js';
import type { EventHub } from '../events/hub.js';
import { SharedReads } from '../events/sharedreads.js';
import { subscribe } from '../events/subscriber.js';
import { importInProcess, invokeInProcess, type Attempt } from '../inprocess.js';
import type { Logger } from '../logger.js';
import { TableEventStore } from './events.js';
import { listeningHub } from './listen.js';
import { TableOutbox } from './outbox.js';

interface PostgresBackendOptions {
  /** ORCHESTRATOR_DATABASE_URL. */
  url: string;
  txRetryBudgetMs: number;
  /** Longest wait of a write for the earlier writes of its channel (default lib/postgres DEFAULT_LOCK_WAIT_MS). */
  txLockWaitMs?: number;
  replayEventsBatchSize: number;
  /** How long an idempotency key answers retries (ORCHESTRATOR_IDEMPOTENCY_WINDOW; default 24h). */
  idempotencyWindowMs?: number;
  logger: Logger;
  observer?: CallObserver;
}

export class PostgresBackend implements Backend {
  readonly outbox: TableOutbox;
  private readonly events: SharedReads<Encoded>;

  private constructor(
    private readonly db: DbHandle,
    private readonly hub: EventHub,
    private readonly options: PostgresBackendOptions,
  ) {
    this.events = new SharedReads(new TableEventStore(db), hub);
    this.outbox = new TableOutbox(db, hub);
  }

  /** Opens (and migrates) the database and starts the process-wide event listener. */
  static async open(options: PostgresBackendOptions): Promise<PostgresBackend> {
    const { url, logger } = options;
    const db = await openPostgres(url, { onError: (err) => logger.warn({ err }, 'idle database connection lost') });
    try {
      return new PostgresBackend(db, await listeningHub(db, logger), options);
    } catch (err) {
      await db.close().catch(() => undefined);
      throw err;
    }
  }

  get storage(): string {
    return this.db.engine;
  }

  /**
   * Writes run SERIALIZABLE, one at a time per channel (queued before BEGIN, so that writers of one plan wait for each
   * other instead of aborting each other), and are retried from scratch on serialization failures within the
   * budget; a client cancelling while its write is queued drops it. Reads run as READ COMMITTED statements outside
   * transactions, SELECT only, and wait for nobody (lib/postgres runInTransaction). What each attempt runs is facade/inprocess.ts, shared with the
   * embedded mode.
   */
  invoke<I extends DescMessage, O extends DescMessage>(
    rpc: UnaryRpc<I, O>,
    request: MessageShape<I>,
    caller: CallContext,
  ): Promise<MessageShape<O>> {
    const options = {
      readOnly: rpc.readOnly,
      retryBudgetMs: this.options.txRetryBudgetMs,
      exclusiveKey: caller.channel,
      lockWaitMs: this.options.txLockWaitMs,
      signal: caller.signal,
    };
    return invokeInProcess(rpc, request, caller, this.options, (attempt: Attempt<DBAL, MessageShape<O>>) =>
      runInTransaction(this.db, options, (q) =>
        attempt(postgresDBAL(q, caller.channel), new SqlIdempotencyRecords(q, caller.channel)),
      ),
    );
  }

  /** One SERIALIZABLE transaction holding the channel's write turn, like any write. */
  importLedger(ledger: VerifiedLedger, caller: CallContext): Promise<number> {
    const options = {
      readOnly: false,
      retryBudgetMs: this.options.txRetryBudgetMs,
      exclusiveKey: caller.channel,
      lockWaitMs: this.options.txLockWaitMs,
      signal: caller.signal,
    };
    return importInProcess(ledger, caller, (apply: (dbal: DBAL) => Promise<number>) =>
      runInTransaction(this.db, options, (q) => apply(postgresDBAL(q, caller.channel))),
    );
  }

  async checkStorage(): Promise<void> {
    await this.db.session((q) => q.query('SELECT 1'));
  }

  subscribe(startEventId: string, caller: CallContext): AsyncIterable<Event | Encoded> {
    return subscribe(this.events, this.hub, {
      channel: caller.channel,
      startEventId,
      batchSize: this.options.replayEventsBatchSize,
      signal: caller.signal,
    });
  }

  async close(): Promise<void> {
    this.outbox.close();
    await this.hub.close();
    await this.db.close();
  }
}
