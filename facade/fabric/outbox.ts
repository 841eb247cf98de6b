import type { Network } from '@hyperledger/fabric-gateway';
import type { Event } from '../../lib/asset/index.js';
import type { DispatchLease, EventOutbox } from '../backend.js';
import { Wakeup } from '../events/wakeup.js';
import type { Logger } from '../logger.js';
import type { Checkpoint } from './checkpoint.js';
import { followLedgerEvents } from './follow.js';
import type { LedgerPosition } from './subscribe.js';

/** Where dispatch stands on each channel: after this event. Serialised as the dispatcher's cursor. */
type Positions = Record<string, { block: string; txId: string; index: number }>;

interface Item {
  event: Event;
  cursor: string;
}

/** Ledger events read ahead of the broker are bounded, so a long broker outage does not grow memory. */
const MAX_BUFFERED = 5_000;

/**
 * The Fabric ledger as the AMQP outbox: one reader per channel follows the orchestrator's chaincode events from the
 * durable checkpoint (per-channel positions, checkpoint.ts) and reconnects by itself when the peer goes away. The
 * checkpoint moves only after the broker confirmed, so a facade restart resends nothing it had dispatched and loses
 * nothing it had not (at-least-once only for a crash between confirm and checkpoint write; messageId = event id).
 */
export class LedgerOutbox implements EventOutbox {
  private readonly items: Item[] = [];
  private readonly arrived = new Wakeup();
  /** One per channel reader: a Wakeup wakes a single waiter, and both readers may wait for the buffer to drain. */
  private readonly drained = new Map<string, Wakeup>();
  /** The readers of the current dispatch session, which loadCursor starts afresh from the checkpoint. */
  private session = new AbortController();
  private readers: Promise<void>[] = [];
  private reading: Positions = {};

  constructor(
    private readonly options: {
      checkpoint: Checkpoint;
      /** Present for replicas: only the holder dispatches (lease.ts). */
      lease?: DispatchLease;
      channels: readonly string[];
      chaincode: string;
      network(channel: string): Promise<Network>;
      logger: Logger;
    },
  ) {}

  get lease(): DispatchLease | undefined {
    return this.options.lease;
  }

  /**
   * Starts a dispatch session: the readers start again from the saved checkpoint, which another replica may have
   * moved since this one last dispatched.
   */
  async loadCursor(): Promise<string> {
    await this.stopReaders();
    const text = await this.options.checkpoint.load();
    const saved = text === undefined ? {} : (JSON.parse(text) as Positions);
    // Every cursor carries all channels, including those with nothing new since the checkpoint.
    this.reading = { ...saved };
    this.session = new AbortController();
    const signal = this.session.signal;
    this.readers = this.options.channels.map((channel) => this.follow(channel, saved[channel], signal));
    return JSON.stringify(saved);
  }

  next(after: string, limit: number): Promise<{ event: Event; cursor: string }[]> {
    this.arrived.clear();
    const start = this.items.findIndex((item) => item.cursor === after) + 1;
    return Promise.resolve(this.items.slice(start, start + limit).map(({ event, cursor }) => ({ event, cursor })));
  }

  async saveCursor(cursor: string): Promise<void> {
    await this.options.checkpoint.save(cursor);
    const done = this.items.findIndex((item) => item.cursor === cursor);
    if (done >= 0) this.items.splice(0, done + 1);
    for (const drained of this.drained.values()) drained.set();
  }

  waitForEvents(signal: AbortSignal, timeoutMs: number): Promise<void> {
    return this.arrived.wait(signal, timeoutMs);
  }

  async close(): Promise<void> {
    await this.stopReaders();
    await this.options.checkpoint.close();
  }

  private async stopReaders(): Promise<void> {
    this.session.abort();
    await Promise.allSettled(this.readers);
    this.readers = [];
    this.items.length = 0;
  }

  /** Reads one channel's events into the buffer in ledger order; followLedgerEvents reconnects after failures. */
  private async follow(channel: string, saved: Positions[string] | undefined, signal: AbortSignal): Promise<void> {
    const drained = new Wakeup();
    this.drained.set(channel, drained);
    const after: LedgerPosition | undefined = saved && { ...saved, block: BigInt(saved.block) };
    const events = followLedgerEvents(after, {
      chaincode: this.options.chaincode,
      network: () => this.options.network(channel),
      signal,
      interrupted: (err, retryInMs) =>
        this.options.logger.warn({ err, channel, retry_in_ms: retryInMs }, 'fabric event listener interrupted'),
    });
    try {
      for await (const { event, position } of events) {
        // The flag is cleared before the buffer is checked: a wake-up left over from an earlier save would
        // otherwise make wait() return at once, forever, and this loop would starve the event loop.
        for (;;) {
          drained.clear();
          if (this.items.length < MAX_BUFFERED || signal.aborted) break;
          await drained.wait(signal);
        }
        this.reading[channel] = { block: position.block.toString(), txId: position.txId, index: position.index };
        this.items.push({ event, cursor: JSON.stringify(this.reading) });
        this.arrived.set();
      }
    } catch (err) {
      // Not worth retrying (the facade's identity was refused): dispatch of this channel stops, loudly.
      if (!signal.aborted) this.options.logger.error({ err, channel }, 'fabric event listener stopped');
    }
  }
}
