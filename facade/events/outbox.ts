// What the outboxes of the two in-process modes share: the cursor is an event position in decimal, and the
// dispatcher is woken by the process's event hub when a commit lands (embedded and PostgreSQL differ only in where
// events and the cursor are stored).
import type { Event } from '../../lib/asset/index.js';
import type { EventOutbox } from '../backend.js';
import type { EventHub } from './hub.js';
import { Wakeup } from './wakeup.js';

/** "" (nothing dispatched yet) is position 0. */
function position(cursor: string): bigint {
  if (cursor === '') return 0n;
  if (!/^\d+$/.test(cursor)) throw new Error(`invalid outbox cursor "${cursor}"`);
  return BigInt(cursor);
}

export abstract class PositionOutbox implements EventOutbox {
  private readonly wakeup = new Wakeup();
  private readonly unwatch: () => void;

  constructor(hub: EventHub) {
    this.unwatch = hub.watch(undefined, { notify: () => this.wakeup.set(), resync: () => this.wakeup.set() });
  }

  /** Up to `limit` events of every channel after `after`, in position order, with their positions. */
  protected abstract readAfter(after: bigint, limit: number): Promise<{ event: Event; position: bigint }[]>;
  /** The saved position (0 = nothing dispatched yet). */
  protected abstract loadPosition(): Promise<bigint>;
  /** Saves `at` durably; never moves the cursor backwards. */
  protected abstract savePosition(at: bigint): Promise<void>;

  async next(after: string, limit: number): Promise<{ event: Event; cursor: string }[]> {
    // Cleared before reading: a commit that lands during the read wakes the next wait.
    this.wakeup.clear();
    const events = await this.readAfter(position(after), limit);
    return events.map(({ event, position: at }) => ({ event, cursor: at.toString() }));
  }

  async loadCursor(): Promise<string> {
    return (await this.loadPosition()).toString();
  }

  saveCursor(cursor: string): Promise<void> {
    return this.savePosition(position(cursor));
  }

  waitForEvents(signal: AbortSignal, timeoutMs: number): Promise<void> {
    return this.wakeup.wait(signal, timeoutMs);
  }

  close(): void {
    this.unwatch();
  }
}
