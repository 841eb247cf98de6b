// The positioned event store of the standalone mode: lib/postgres's events table, read outside request transactions
// (each read is its own short autocommit statement, so a long-lived stream holds no connection between reads).
import type { DbHandle } from '../../lib/postgres/index.js';
import { eventPosition, readEventsAfter } from '../../lib/postgres/index.js';
import type { PositionedEvent, PositionedEventStore } from '../events/subscriber.js';

export class TableEventStore implements PositionedEventStore {
  constructor(private readonly db: DbHandle) {}

  positionOf(channel: string, eventId: string): Promise<bigint | undefined> {
    return eventPosition(this.db, channel, eventId);
  }

  readAfter(channel: string, after: bigint, limit: number): Promise<PositionedEvent[]> {
    return readEventsAfter(this.db, channel, after, limit);
  }
}
