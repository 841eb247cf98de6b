// QueryEvents and SubscribeToEvents in distributed mode, from one commit-ordered log. The chaincode cannot know
// commit order (a transaction is endorsed before the orderer places it), and world-state records sorted by proposal
// time disagree with the stream whenever write lanes overlap. So the facade reads the channel's blocks into a local
// event log — the embedded mode's own (lib/embedded), in its own folder — and serves both RPCs from it with the
// code the embedded mode uses: the service's QueryEvents, and the positioned-store subscriber. Replays are then
// local reads instead of a peer re-sending every block from the start.
import type { DescMessage, MessageShape } from '@bufbuild/protobuf';
import type { Network } from '@hyperledger/fabric-gateway';
import type { UnaryRpc } from '../../lib/api/index.js';
import { DataFolderError, EmbeddedStore } from '../../lib/embedded/index.js';
import { errorMessage, OrcError } from '../../lib/errors/index.js';
import type { Event } from '../../lib/asset/index.js';
import type { CallContext } from '../backend.js';
import { EventHub } from '../events/hub.js';
import { logStream } from '../events/logstream.js';
import { subscribe, type PositionedEventStore } from '../events/subscriber.js';
import type { Encoded } from '../encoded.js';
import { invokeInProcess } from '../inprocess.js';
import type { Logger } from '../logger.js';
import { StartupError } from '../startup.js';
import { blockEvents, channelHeight } from './blockevents.js';
import { reconnecting } from './follow.js';

export interface EventIndexOptions {
  /** The index's own LevelDB folder, locked to this process. */
  dir: string;
  channels: readonly string[];
  chaincode: string;
  /** The channel as its reader sees it (any member's peer has the same blocks). */
  network(channel: string): Promise<Network>;
  logger: Logger;
  /** Events read from the log per replay query of a stream. */
  replayEventsBatchSize: number;
  /** How long a query waits for the index to reach the caller's view of the channel. */
  catchUpTimeoutMs?: number;
}

/**
 * A new folder starts from the channel's first block: on a channel of a few hundred MB the peer takes tens of seconds
 * to send it all, and a query that comes meanwhile waits that long once, rather than failing.
 */
const CATCH_UP_TIMEOUT_MS = 120_000;

/** The cursor of a channel: how many of its blocks are in the log (= the next block to read). */
const cursorName = (channel: string): string => `fabric-height:${channel}`;

/**
 * One log per channel, fed block by block: each block's events and the new cursor are one LevelDB batch, so a
 * restart resumes exactly where the log ends (the ledger keeps every block; the folder can be deleted and rebuilt).
 *
 * Read-your-writes: a query first asks the caller's peer for the channel's height and waits until the log holds
 * every block below it. A write returns once every peer the facade talks to has its block, so a QueryEvents that
 * follows a write, from any organization, sees it.
 */
export class FabricEventIndex {
  /** Per channel, the number of blocks in the log. */
  private readonly indexed = new Map<string, bigint>();
  private readonly waiters = new Set<() => void>();
  private readonly stopping = new AbortController();
  private readers: Promise<void>[] = [];
  /** The log as streams read it, as in the embedded mode (logstream.ts). */
  private readonly streamed: PositionedEventStore<Encoded>;

  private constructor(
    private readonly store: EmbeddedStore,
    private readonly hub: EventHub,
    private readonly options: EventIndexOptions,
  ) {
    this.streamed = logStream(store, hub);
  }

  /** @throws {@link StartupError} when the folder cannot be used (in use by another facade, not writable). */
  static async open(options: EventIndexOptions): Promise<FabricEventIndex> {
    const hub = new EventHub();
    let store: EmbeddedStore;
    try {
      store = await EmbeddedStore.open(options.dir, {
        onCommit: (channel, position) => hub.dispatch({ channel, position }),
      });
    } catch (err) {
      if (err instanceof DataFolderError) throw new StartupError(`event index: ${err.message}`, { cause: err });
      throw err;
    }
    const index = new FabricEventIndex(store, hub, options);
    for (const channel of options.channels) index.indexed.set(channel, await store.loadCursor(cursorName(channel)));
    index.readers = options.channels.map((channel) => index.follow(channel));
    return index;
  }

  /**
   * Runs QueryEvents (validation, filters, pages: the service's own code) over the log, after the caller's writes.
   * Asking the caller's peer for the height is also Fabric's access check, as for {@link subscribe}.
   */
  async query<I extends DescMessage, O extends DescMessage>(
    rpc: UnaryRpc<I, O>,
    request: MessageShape<I>,
    caller: CallContext,
    network: Network,
  ): Promise<MessageShape<O>> {
    await this.reach(caller.channel, await channelHeight(network), caller.signal);
    return invokeInProcess(rpc, request, caller, {}, (call) => this.store.read(caller.channel, call));
  }

  /**
   * The channel's events after `startEventId` ("" = from the first), then live ones as blocks arrive. The caller's
   * own peer is asked for the channel's height first: that is Fabric's word on whether the caller may read the
   * channel (the log itself was read by another organization), and a start id is then looked up once the log holds
   * the caller's view, so an id just returned by another facade is found rather than NOT_FOUND.
   */
  async *subscribe(startEventId: string, caller: CallContext, network: Network): AsyncGenerator<Event | Encoded> {
    await this.reach(caller.channel, await channelHeight(network), caller.signal);
    yield* subscribe(this.streamed, this.hub, {
      channel: caller.channel,
      startEventId,
      batchSize: this.options.replayEventsBatchSize,
      signal: caller.signal,
    });
  }

  async close(): Promise<void> {
    this.stopping.abort();
    await Promise.allSettled(this.readers);
    await this.hub.close();
    await this.store.close();
  }

  /** Resolves once the log of `channel` holds `height` blocks. */
  private async reach(channel: string, height: bigint, signal: AbortSignal | undefined): Promise<void> {
    const timeoutMs = this.options.catchUpTimeoutMs ?? CATCH_UP_TIMEOUT_MS;
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const indexed = this.indexed.get(channel) ?? 0n;
      if (indexed >= height) return;
      if (signal?.aborted) throw new OrcError('Aborted', 'call cancelled while the event index caught up');
      const left = deadline - Date.now();
      if (left <= 0) {
        throw new OrcError(
          'Unavailable',
          `the event index of channel "${channel}" holds ${indexed} of its ${height} blocks after ${timeoutMs} ms; retry later`,
        );
      }
      await new Promise<void>((resolve) => {
        const timer = setTimeout(done, Math.min(left, 1000));
        function done(): void {
          clearTimeout(timer);
          resolve();
        }
        this.waiters.add(done);
      });
    }
  }

  /** Reads the channel's blocks into the log, from its cursor on, reconnecting after failures. */
  private async follow(channel: string): Promise<void> {
    const { chaincode, logger } = this.options;
    const signal = this.stopping.signal;
    const blocks = reconnecting((network) => blockEvents(network, chaincode, this.indexed.get(channel) ?? 0n, signal), {
      network: () => this.options.network(channel),
      signal,
      interrupted: (err, retryInMs) =>
        logger.warn({ err, channel, retry_in_ms: retryInMs }, 'fabric event index: block stream interrupted'),
    });
    try {
      for await (const { block, events } of blocks) {
        const next = block + 1n;
        if (next <= (this.indexed.get(channel) ?? 0n)) continue; // already in the log (a resumed stream)
        await this.store.appendEvents(channel, events, { name: cursorName(channel), position: next });
        this.indexed.set(channel, next);
        const waiting = [...this.waiters];
        this.waiters.clear();
        for (const wake of waiting) wake();
      }
    } catch (err) {
      if (!signal.aborted) logger.error({ err: errorMessage(err), channel }, 'fabric event index stopped');
    }
  }
}
