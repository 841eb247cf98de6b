// The AMQP outbox of the embedded mode: every committed event of every channel in position (= commit) order, and a
// durable cursor in the same LevelDB (EmbeddedStore cursors: synced, never moving backwards).
import type { Event } from '../../lib/asset/index.js';
import type { EmbeddedStore } from '../../lib/embedded/index.js';
import type { EventHub } from '../events/hub.js';
import { PositionOutbox } from '../events/outbox.js';

const CURSOR = 'amqp-cursor';

export class LevelOutbox extends PositionOutbox {
  constructor(
    private readonly store: EmbeddedStore,
    hub: EventHub,
  ) {
    super(hub);
  }

  protected readAfter(after: bigint, limit: number): Promise<{ event: Event; position: bigint }[]> {
    return this.store.readOutboxAfter(after, limit);
  }

  protected loadPosition(): Promise<bigint> {
    return this.store.loadCursor(CURSOR);
  }

  protected savePosition(at: bigint): Promise<void> {
    return this.store.saveCursor(CURSOR, at);
  }
}
