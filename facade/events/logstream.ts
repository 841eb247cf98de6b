// How streams read an embedded event log (lib/embedded), in the embedded mode and in the Fabric facade's event
// index alike: the stored event bytes are sent as they are, and subscribers at the same place share one read.
import type { EmbeddedStore } from '../../lib/embedded/index.js';
import { Encoded } from '../encoded.js';
import type { EventHub } from './hub.js';
import { SharedReads } from './sharedreads.js';
import type { PositionedEventStore } from './subscriber.js';

/** The log of `store` as SubscribeToEvents reads it; `hub` carries the store's commit notifications. */
export function logStream(store: EmbeddedStore, hub: EventHub): PositionedEventStore<Encoded> {
  const encodedLog: PositionedEventStore<Encoded> = {
    positionOf: (channel, id) => store.positionOf(channel, id),
    readAfter: async (channel, after, limit) =>
      (await store.readEncodedAfter(channel, after, limit)).map(({ bytes, position }) => ({
        event: new Encoded(bytes),
        position,
      })),
  };
  return new SharedReads(encodedLog, hub);
}
