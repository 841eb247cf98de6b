// The positioned event store of the standalone mode: lib/postgres's events table, read outside request transactions
// (each read is its own short autocommit statement, so a long-lived stream holds no connection between reads). Events
// come out in their wire form, sent to subscribers without decoding.
import type { DbHandle } from '../../lib/postgres/index.js';
import { eventPosition, readEncodedEventsAfter } from '../../lib/postgres/index.js';
import { Encoded } from '../encoded.js';
import type { PositionedEvent, PositionedEventStore } from '../events/subscriber.js';

export class TableEventStore implements PositionedEventStore<Encoded> {
  constructor(private readonly db: DbHandle) {}

  positionOf(channel: string, eventId: string): Promise<bigint | undefined> {
    return eventPosition(this.db, channel, eventId);
  }

  async readAfter(channel: string, after: bigint, limit: number): Promise<PositionedEvent<Encoded>[]> {
    const rows = await readEncodedEventsAfter(this.db, channel, after, limit);
    return rows.map(({ bytes, position }) => ({ event: new Encoded(bytes), position }));
  }
}
