import { create } from '@bufbuild/protobuf';
import { TimestampSchema, type Timestamp } from '@bufbuild/protobuf/wkt';
import type { Clock } from './context.js';

/** Truncates to microseconds, the precision every backend stores. */
function truncateToMicros(ts: Timestamp): Timestamp {
  return create(TimestampSchema, { seconds: ts.seconds, nanos: ts.nanos - (ts.nanos % 1000) });
}

/** A clock frozen at one instant, as a transaction needs. */
export function fixedClock(at: Timestamp): Clock {
  const frozen = truncateToMicros(at);
  return { now: () => create(TimestampSchema, { seconds: frozen.seconds, nanos: frozen.nanos }) };
}

/** A clock frozen at the current wall-clock time (standalone transactions). */
export function wallClock(): Clock {
  // Date.now() is the wall clock (no drift) but only has milliseconds; the monotonic clock supplies the microseconds.
  const ms = Date.now();
  const subMillisMicros = Math.floor(performance.now() * 1000) % 1000;
  const seconds = BigInt(Math.floor(ms / 1000));
  const nanos = ((ms % 1000) * 1000 + subMillisMicros) * 1000;
  return fixedClock(create(TimestampSchema, { seconds, nanos }));
}
