// What the gRPC layer needs from whoever runs the ledger logic. Three implementations: EmbeddedBackend (LevelDB in
// the data folder) and PostgresBackend (PostgreSQL), where the business logic runs in this process, and
// FabricBackend (fabric-gateway: the chaincode runs it on the peers). The gRPC layer only authenticates, authorizes and maps errors; everything else is
// here.
import type { DescMessage, MessageShape } from '@bufbuild/protobuf';
import type { UnaryRpc } from '../lib/api/index.js';
import type { Event } from '../lib/asset/index.js';
import type { Encoded } from './encoded.js';
import type { LedgerManifest } from '../lib/migration/index.js';

export interface CallContext {
  /** The checked `mspid` header: the requester (Fabric: selects the signing identity). */
  mspid: string;
  /** The checked `channel` header. */
  channel: string;
  /** For logs and tracing across the backend boundary. */
  requestId: string;
  /** Aborted when the client cancels or the server shuts down. */
  signal: AbortSignal;
  /**
   * The checked `idempotency-key` header of a write (never set for reads): a retry under it gets the first response
   * back (lib/api runCall). Every backend records it in the write's own transaction.
   */
  idempotencyKey?: string;
}

/** Events committed after some point, in the order every subscriber must see them. */
export interface EventSource {
  /**
   * Events of `caller.channel` strictly after `startEventId` ("" = the whole channel history), then live ones,
   * until `caller.signal` aborts. Each event has `channel` set. Pull-based: the next event is only read when the
   * consumer asks for it (backpressure). Errors before the first event: NotFound (unknown start id), InvalidAsset
   * (malformed start id). An event may come already encoded (the store's bytes, `channel` set).
   */
  subscribe(startEventId: string, caller: CallContext): AsyncIterable<Event | Encoded>;
}

/** Holding the dispatcher role; ends by itself when the replica loses it. */
export interface Lease {
  /** Aborted the moment the role is lost: the holder must stop dispatching at once. */
  readonly lost: AbortSignal;
  /** Gives the role up, so that another replica can take it. */
  release(): Promise<void>;
}

/**
 * The election of one dispatcher among replicas that share an outbox, over an existing engine's primitive (a
 * PostgreSQL session advisory lock, a RabbitMQ single-active-consumer queue).
 */
export interface DispatchLease {
  /** Tries once to become the dispatcher; undefined while another replica is. */
  tryAcquire(): Promise<Lease | undefined>;
}

/** An ordered, durable feed of every committed event (all channels) for the AMQP dispatcher. */
export interface EventOutbox {
  /** Present when several replicas share this outbox: only the holder of the lease may dispatch. */
  readonly lease?: DispatchLease;
  /** Up to `limit` events after the saved cursor, in commit order, with the cursor value of each. */
  next(after: string, limit: number): Promise<{ event: Event; cursor: string }[]>;
  /** The cursor of the last event dispatched ("" = nothing yet). */
  loadCursor(): Promise<string>;
  saveCursor(cursor: string): Promise<void>;
  /** Resolves when new events may be available (or after a while), or when signal aborts. */
  waitForEvents(signal: AbortSignal, timeoutMs: number): Promise<void>;
}

/**
 * Told of every call a backend that runs the ledger logic in this process has finished: the events of a committed
 * call (ids assigned), or that a call was rolled back. Metrics derive Substra's task counters from it.
 */
export interface CallObserver {
  committed(rpc: UnaryRpc, channel: string, events: readonly Event[]): void;
  rolledBack(rpc: UnaryRpc): void;
}

/** A ledger file already checked whole (lib/migration verifyLedger), kept where it can be read again. */
export interface VerifiedLedger {
  manifest: LedgerManifest;
  /** The file's lines from the first, each time it is called (a retried transaction reads it again). */
  lines(): AsyncIterable<string>;
}

export interface Backend extends EventSource {
  /** "leveldb", "postgres" or "fabric": logged at start. */
  readonly storage: string;
  /**
   * Runs one unary RPC for the caller. Rejects with an OrcError for anything the client should see; any other error
   * is treated as internal.
   */
  invoke<I extends DescMessage, O extends DescMessage>(
    rpc: UnaryRpc<I, O>,
    request: MessageShape<I>,
    caller: CallContext,
  ): Promise<MessageShape<O>>;
  /** The feed of committed events for AMQP dispatch; undefined when this backend cannot provide one. */
  readonly outbox?: EventOutbox;
  /**
   * Resolves when the storage answers, rejects when it cannot be reached (readiness probes). Absent: the backend
   * has no storage of its own to lose.
   */
  checkStorage?(): Promise<void>;
  /**
   * Writes a verified ledger file into `caller.channel`, all or nothing; FAILED_PRECONDITION when the channel holds
   * anything. Returns the number of records written. Absent: this backend cannot import.
   */
  importLedger?(ledger: VerifiedLedger, caller: CallContext): Promise<number>;
  /** Releases connections; in-flight calls must be finished or cancelled before. */
  close(): Promise<void>;
}
