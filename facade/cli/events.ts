// `orchestrator events tail`: follows SubscribeToEvents and prints one line per event, or NDJSON with --json.
import { toJson } from '@bufbuild/protobuf';
import { AssetKind, EventKind, EventSchema, EventService, type Event } from '../../lib/asset/index.js';
import { rowOf } from '../../lib/api/index.js';
import type { OrchestratorConnection } from './client.js';
import { statusName } from './plan.js';

interface TailOptions {
  /** Resume strictly after this event id ("" = the whole history). */
  from: string;
  /** Only these event kinds (names as printed: CREATED, UPDATED, DISABLED); empty = all. */
  kinds: readonly string[];
  json: boolean;
}

/** The event kinds a user may name: EVENT_ASSET_CREATED → CREATED. */
export const EVENT_KIND_NAMES: readonly string[] = Object.values(EventKind)
  .filter((v): v is string => typeof v === 'string' && v !== 'EVENT_UNKNOWN')
  .map((name) => name.replace(/^EVENT_ASSET_/, ''));

const kindName = (kind: EventKind): string => (EventKind[kind] ?? String(kind)).replace(/^EVENT_ASSET_/, '');
const assetName = (kind: AssetKind): string => (AssetKind[kind] ?? String(kind)).replace(/^ASSET_/, '');

/** "2026-12-06T10:00:00.123456Z UPDATED COMPUTE_TASK 4f3c… status=DONE reason=… (id)" */
function formatEvent(event: Event): string {
  const ts = event.timestamp;
  const time = ts
    ? `${new Date(Number(ts.seconds) * 1000).toISOString().slice(0, 19)}.${String(Math.trunc(ts.nanos / 1000)).padStart(6, '0')}Z`
    : '-';
  const details: string[] = [];
  if (event.asset.case === 'computeTask') details.push(`status=${statusName(event.asset.value.status)}`);
  for (const [key, value] of Object.entries(event.metadata)) details.push(`${key}=${JSON.stringify(value)}`);
  return [
    time,
    kindName(event.eventKind),
    assetName(event.assetKind),
    event.assetKey,
    ...details,
    `(${event.id})`,
  ].join(' ');
}

/** Prints events as they come until `signal` aborts; returns how many were printed. */
export async function tailEvents(
  connection: OrchestratorConnection,
  options: TailOptions,
  write: (line: string) => void,
  signal: AbortSignal,
): Promise<number> {
  const wanted = new Set(options.kinds);
  let printed = 0;
  const stream = connection.stream(
    rowOf(EventService.method.subscribeToEvents),
    { startEventId: options.from },
    signal,
  );
  for await (const event of stream) {
    if (wanted.size > 0 && !wanted.has(kindName(event.eventKind))) continue;
    write(options.json ? JSON.stringify(toJson(EventSchema, event)) : formatEvent(event));
    printed++;
  }
  return printed;
}
