import { AssetKindSchema, EventKindSchema, SortOrderSchema, type QueryEventsParam } from '../index.js';
import type { Timestamp } from '@bufbuild/protobuf/wkt';
import { invalidAsset } from '../../errors/index.js';
import { isUuid, Violations } from './rules.js';

/**
 * Filters are optional (0 = any); an undefined enum value would silently match nothing, so it is refused.
 * `asset_key` is not a UUID check: organization events are keyed by MSP id and performance events by
 * "<task key>|<identifier>".
 */
export function validateQueryEventsParam(param: QueryEventsParam): void {
  const v = new Violations();
  if (param.filter) {
    v.definedEnum('filter.asset_kind', param.filter.assetKind, AssetKindSchema);
    v.definedEnum('filter.event_kind', param.filter.eventKind, EventKindSchema);
    checkTimestamp(v, 'filter.start', param.filter.start);
    checkTimestamp(v, 'filter.end', param.filter.end);
  }
  v.definedEnum('sort', param.sort, SortOrderSchema);
  v.throwIfAny('event');
}

/** google.protobuf.Timestamp's own range: 0001-01-01T00:00:00Z to 9999-12-31T23:59:59.999999999Z. */
const MIN_SECONDS = -62_135_596_800n;
const MAX_SECONDS = 253_402_300_799n;

/**
 * A time bound outside Timestamp's range is not a time: PostgreSQL would refuse it and LedgerDB would clamp it, so
 * it is refused here, once, for every backend.
 */
function checkTimestamp(v: Violations, path: string, ts: Timestamp | undefined): void {
  if (!ts) return;
  if (ts.seconds < MIN_SECONDS || ts.seconds > MAX_SECONDS || ts.nanos < 0 || ts.nanos > 999_999_999) {
    v.add(path, 'not a valid timestamp (years 1 to 9999, nanos 0 to 999,999,999)');
  }
}

/** Event ids of the distributed mode: "<Fabric transaction id>:<index of the event in that transaction>". */
const LEDGER_EVENT_ID = /^[0-9a-f]{64}:\d{1,9}$/;

/**
 * Which kind of event id `SubscribeToEvents.start_event_id` holds (UUIDs in standalone and embedded mode), checked
 * once for every transport. Every mode accepts both kinds, so a client cannot
 * tell the modes apart by their errors: an id of the other mode's kind is well-formed but absent (NotFound, for the
 * transport to raise), anything else is refused here as InvalidAsset (OE0101).
 */
export function eventIdKind(id: string): 'uuid' | 'ledger' {
  // Lower case only, as asset keys (isUuid): the ids this server issues have one spelling.
  if (isUuid(id)) return 'uuid';
  if (LEDGER_EVENT_ID.test(id)) return 'ledger';
  throw invalidAsset(`start_event_id "${id}" is not a valid event id (a UUID, or <tx id>:<index>)`);
}
