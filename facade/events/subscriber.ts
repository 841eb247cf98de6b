// One SubscribeToEvents stream over a positioned event store (substra-behaviour §4.4, ARCHITECTURE §5): register for
// notifications FIRST, then replay from the database by position, then follow notifications, always reading
// "position > last sent". Registering first means nothing committed after the replay query can be missed; reading
// by position means order = position order and the replay/live overlap is never sent twice.
import type { Event } from '../../lib/asset/index.js';
import { eventIdKind } from '../../lib/asset/validation/index.js';
import { OrcError } from '../../lib/errors/index.js';
import type { EventHub } from './hub.js';
import { Wakeup } from './wakeup.js';

/** An event (a message, or its wire form) and its position. */
export interface PositionedEvent<E = Event> {
  event: E;
  position: bigint;
}

export interface PositionedEventStore<E = Event> {
  /** Position of an event of `channel`; undefined when unknown. */
  positionOf(channel: string, eventId: string): Promise<bigint | undefined>;
  /** Up to `limit` events of `channel` with position > `after`, in position order, `channel` set. */
  readAfter(channel: string, after: bigint, limit: number): Promise<PositionedEvent<E>[]>;
}

export interface SubscribeOptions {
  channel: string;
  /** "" = the whole channel history. */
  startEventId: string;
  batchSize: number;
  signal: AbortSignal;
}

export async function* subscribe<E>(
  store: PositionedEventStore<E>,
  hub: EventHub,
  { channel, startEventId, batchSize, signal }: SubscribeOptions,
): AsyncGenerator<E, void, undefined> {
  let last = 0n;
  const wakeup = new Wakeup();
  const unwatch = hub.watch(channel, {
    // Positions already sent need no read (the replay usually covers what was notified during it).
    notify: (position) => {
      if (position > last) wakeup.set();
    },
    resync: () => wakeup.set(),
  });
  try {
    if (startEventId !== '') {
      // Malformed ids are refused (OE0101); a well-formed id of either kind is looked up: local modes issue UUIDs,
      // Fabric's log holds <tx id>:<index> ids, and a ledger carried over by import keeps the ids it had.
      eventIdKind(startEventId);
      const position = await store.positionOf(channel, startEventId);
      if (position === undefined) {
        throw new OrcError('NotFound', `event with key "${startEventId}" not found in channel "${channel}"`);
      }
      last = position;
    }
    while (!signal.aborted) {
      // Cleared before reading: a notification that lands during the read triggers one more read.
      wakeup.clear();
      const batch = await store.readAfter(channel, last, batchSize);
      for (const { event, position } of batch) {
        if (signal.aborted) return;
        // The consumer pulls one event at a time (its writes wait for 'drain'), so replay honours backpressure.
        yield event;
        last = position;
      }
      if (batch.length < batchSize) await wakeup.wait(signal);
    }
  } finally {
    unwatch();
  }
}
