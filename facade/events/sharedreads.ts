import type { EventHub } from './hub.js';
import type { PositionedEvent, PositionedEventStore } from './subscriber.js';

/**
 * Lets subscribers that ask for the same events at the same time share one store read. After a commit, every live
 * subscriber of the channel asks for "events after the position I sent last", which is usually the same position for
 * all: with 300 subscribers that was 300 identical reads (and 300 decodings) per write.
 *
 * A read is only shared with callers that arrive before the hub's next notification: a caller woken by a newer
 * notification must not get a read that started before the commit it was told about, or it would wait for the next
 * commit with an event already committed and unsent.
 */
export class SharedReads<E> implements PositionedEventStore<E> {
  private readonly inFlight = new Map<string, { generation: number; read: Promise<PositionedEvent<E>[]> }>();

  constructor(
    private readonly store: PositionedEventStore<E>,
    private readonly hub: EventHub,
  ) {}

  positionOf(channel: string, eventId: string): Promise<bigint | undefined> {
    return this.store.positionOf(channel, eventId);
  }

  readAfter(channel: string, after: bigint, limit: number): Promise<PositionedEvent<E>[]> {
    const key = `${channel}\u0000${after}\u0000${limit}`;
    const generation = this.hub.generation;
    const shared = this.inFlight.get(key);
    if (shared !== undefined && shared.generation === generation) return shared.read;
    const entry = { generation, read: this.store.readAfter(channel, after, limit) };
    this.inFlight.set(key, entry);
    const forget = (): void => {
      if (this.inFlight.get(key) === entry) this.inFlight.delete(key);
    };
    entry.read.then(forget, forget);
    return entry.read;
  }
}
