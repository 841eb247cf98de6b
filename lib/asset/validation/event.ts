import { AssetKindSchema, EventKindSchema, SortOrderSchema, type QueryEventsParam } from '../index.js';
import { Violations } from './rules.js';

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
  }
  v.definedEnum('sort', param.sort, SortOrderSchema);
  v.throwIfAny('event');
}
