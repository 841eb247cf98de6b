// The AMQP outbox of the embedded mode: every committed event of every channel in position (= commit) order, and a
// durable cursor in the same LevelDB (EmbeddedStore cursors: synced, never moving backwards).
import type { Event } from '../../lib/asset/index.js';
import type { EmbeddedStore } from '../../lib/embedded/index.js';
import type { EventOutbox } from '../backend.js';
import type { EventHub } from '../events/hub.js';
import { Wakeup } from '../events/wakeup.js';

const CURSOR = 'amqp-cursor';

function position(cursor: string): bigint {
  if (cursor === '') return 0n;
  if (!/^\d+$/.test(cursor)) throw new Error(`invalid outbox cursor "${cursor}"`);
  return BigInt(cursor);
}

export class LevelOutbox implements EventOutbox {
  private readonly wakeup = new Wakeup();
  private readonly unwatch: () => void;

  constructor(
    private readonly store: EmbeddedStore,
    hub: EventHub,
  ) {
    this.unwatch = hub.watch(undefined, { notify: () => this.wakeup.set(), resync: () => this.wakeup.set() });
  }

  async next(after: string, limit: number): Promise<{ event: Event; cursor: string }[]> {
    this.wakeup.clear();
    const events = await this.store.readOutboxAfter(position(after), limit);
    return events.map(({ event, position: at }) => ({ event, cursor: at.toString() }));
  }

  async loadCursor(): Promise<string> {
    return (await this.store.loadCursor(CURSOR)).toString();
  }

  saveCursor(cursor: string): Promise<void> {
    return this.store.saveCursor(CURSOR, position(cursor));
  }

  waitForEvents(signal: AbortSignal, timeoutMs: number): Promise<void> {
    return this.wakeup.wait(signal, timeoutMs);
  }

  close(): void {
    this.unwatch();
  }
}
