import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import type { Network } from '@hyperledger/fabric-gateway';
import type { Event } from '../../lib/asset/index.js';
import type { EventOutbox } from '../backend.js';
import { Wakeup } from '../events/wakeup.js';
import type { Logger } from '../logger.js';
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
 * durable checkpoint (a JSON file of per-channel positions) and reconnects by itself when the peer goes away. The
 * checkpoint moves only after the broker confirmed, so a facade restart resends nothing it had dispatched and loses
 * nothing it had not (at-least-once only for a crash between confirm and checkpoint write; messageId = event id).
 */
export class LedgerOutbox implements EventOutbox {
  private readonly items: Item[] = [];
  private readonly arrived = new Wakeup();
  /** One per channel reader: a Wakeup wakes a single waiter, and both readers may wait for the buffer to drain. */
  private readonly drained = new Map<string, Wakeup>();
  private readonly stopping = new AbortController();
  private readers: Promise<void>[] | undefined;
  private readonly reading: Positions = {};

  constructor(
    private readonly options: {
      checkpointFile: string;
      channels: readonly string[];
      chaincode: string;
      network(channel: string): Promise<Network>;
      logger: Logger;
    },
  ) {}

  async loadCursor(): Promise<string> {
    const saved = await this.readCheckpoint();
    // Every cursor carries all channels, including those with nothing new since the checkpoint.
    if (!this.readers) Object.assign(this.reading, saved);
    this.readers ??= this.options.channels.map((channel) => this.follow(channel, saved[channel]));
    return JSON.stringify(saved);
  }

  next(after: string, limit: number): Promise<{ event: Event; cursor: string }[]> {
    this.arrived.clear();
    const start = this.items.findIndex((item) => item.cursor === after) + 1;
    return Promise.resolve(this.items.slice(start, start + limit).map(({ event, cursor }) => ({ event, cursor })));
  }

  async saveCursor(cursor: string): Promise<void> {
    const file = this.options.checkpointFile;
    await mkdir(dirname(file), { recursive: true });
    await writeFile(`${file}.tmp`, cursor);
    await rename(`${file}.tmp`, file);
    const done = this.items.findIndex((item) => item.cursor === cursor);
    if (done >= 0) this.items.splice(0, done + 1);
    for (const drained of this.drained.values()) drained.set();
  }

  waitForEvents(signal: AbortSignal, timeoutMs: number): Promise<void> {
    return this.arrived.wait(signal, timeoutMs);
  }

  async close(): Promise<void> {
    this.stopping.abort();
    await Promise.allSettled(this.readers ?? []);
  }

  private async readCheckpoint(): Promise<Positions> {
    try {
      return JSON.parse(await readFile(this.options.checkpointFile, 'utf8')) as Positions;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return {};
      throw err;
    }
  }

  /** Reads one channel's events into the buffer in ledger order; followLedgerEvents reconnects after failures. */
  private async follow(channel: string, saved: Positions[string] | undefined): Promise<void> {
    const signal = this.stopping.signal;
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
