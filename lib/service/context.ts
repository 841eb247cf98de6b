import type { Timestamp } from '@bufbuild/protobuf/wkt';
import type { Event } from '../asset/index.js';
import type { DBAL } from '../persistence/index.js';

/** The time of the transaction: every date a request writes is this one instant, at microsecond precision. */
export interface Clock {
  now(): Timestamp;
}

/**
 * Receives the events a request emits, in emission order. Events arrive without `id` (the sink's owner assigns
 * them: a UUID in standalone mode, the transaction id and index in chaincode) and without `channel`.
 */
export interface EventSink {
  emit(event: Event): void;
}

/** Everything a service needs for one request. */
export interface ServiceContext {
  dbal: DBAL;
  clock: Clock;
  events: EventSink;
  /** The MSP id of the caller (the `mspid` header, or the transaction signer in chaincode). */
  requester: string;
  channel: string;
}

/** An EventSink that keeps events in memory; transports drain it when the transaction commits. */
export class EventBuffer implements EventSink {
  readonly events: Event[] = [];

  emit(event: Event): void {
    this.events.push(event);
  }
}
