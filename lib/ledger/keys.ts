import { createCompositeKey } from './kv.js';

/**
 * The world-state layout: every key is a Fabric composite key (objectType + attributes). Documents hold the asset
 * (codec.ts); index entries hold INDEX_VALUE and carry what they point to in their last attributes, so a list is
 * one partial-composite range scan (re-validated by Fabric at commit: phantom protection) plus point reads.
 *
 * `date` = sortkey.dateAttr (20-digit µs since the epoch), `status` = the ComputeTaskStatus number in decimal.
 * Ordering indexes put the sort columns right after the filter columns, so the scan order is the DBAL order.
 */
export const Doc = {
  organization: 'org', // [id]
  function: 'fn', // [key]
  dataManager: 'dm', // [key]
  dataSample: 'ds', // [key]
  computePlan: 'plan', // [key]
  computeTask: 'task', // [key]
  model: 'model', // [key]
  performance: 'perf', // [task key, output identifier]
  failureReport: 'fail', // [asset key]
  outputAsset: 'out', // [task key, output identifier, position (10 digits)]: registration order
  event: 'ev', // [timestamp date, smallest event id]: a group of events (events.ts), in ascending order
  idempotencyRecord: 'idem', // [requester, idempotency key]: idempotency.ts
} as const;

export const Index = {
  organizationsByDate: 'org~date', // [date, id]
  functionsByDate: 'fn~date', // [date, key]
  functionsByPlan: 'fn~plan', // [plan key, function key]: functions used by a plan's tasks
  dataManagersByDate: 'dm~date', // [date, key]
  dataSamplesByDate: 'ds~date', // [date, key]
  dataSamplesByManager: 'ds~dm', // [data manager key, date, sample key]
  plansByDate: 'plan~date', // [date, key]
  plansByOwner: 'plan~owner', // [owner, date, key]
  // Task indexes are partitioned by status (status-bearing: rewritten on every status change); a query without a
  // status filter merges the partitions, which all share the (date, key) order. There is no global status index: a
  // query without plan, function or worker merges the worker partitions of every worker, which saves a write per
  // task and per status change (a round trip to the peer each).
  taskWorkers: 'task~workers', // [worker]: every worker that has tasks
  tasksByPlan: 'task~plan', // [plan key, status, date, key]
  tasksByFunction: 'task~fn', // [function key, status, date, key]
  tasksByWorker: 'task~worker', // [worker, status, date, key]
  tasksByParent: 'task~parent', // [parent key, child date, child key]
  modelsByTask: 'model~task', // [task key, date, model key]
  performancesByDate: 'perf~date', // [date, inverted task key, output identifier]
  eventsDescending: 'ev~desc', // [inverted date, inverted smallest id]: event groups
  eventsByAsset: 'ev~asset', // [asset key, date, id]: the value is the event itself
} as const;

/** The value of an index entry: one byte, since an empty value reads back as absent on Fabric. */
export const INDEX_VALUE = new Uint8Array([0]);

export function docKey(type: (typeof Doc)[keyof typeof Doc], ...attributes: string[]): string {
  return createCompositeKey(type, attributes);
}

export function indexKey(type: (typeof Index)[keyof typeof Index], ...attributes: string[]): string {
  return createCompositeKey(type, attributes);
}
