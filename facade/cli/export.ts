// `orchestrator export`: one channel's whole ledger through the public API, written as a ledger file (lib/migration,
// docs/ledger-file.md). Every list is read page by page and written as it comes, so memory does not grow with the
// ledger. Lists come in the orders the API defines for every backend (creation date, then key); what the API only
// shows as events (models, failure reports, the history itself) is read from the event RPCs.
import {
  AssetKind,
  ComputePlanService,
  ComputeTaskService,
  DataManagerService,
  DataSampleService,
  EventKind,
  EventService,
  FunctionService,
  OrganizationService,
  PerformanceService,
  SortOrder,
  type Event,
  type Model,
} from '../../lib/asset/index.js';
import { rowOf } from '../../lib/api/index.js';
import { OrcError } from '../../lib/errors/index.js';
import { LedgerWriter, type LedgerManifest, type LineSink, type RecordKind } from '../../lib/migration/index.js';
import type { OrchestratorConnection } from './client.js';

/** Told how far the export is: records of `kind` written so far (events: out of `total`). */
export type ExportProgress = (kind: RecordKind, written: number, total?: number) => void;

/**
 * Items per page asked for; the server ends a page earlier when it would outgrow a gRPC message. 250 rather than
 * 1,000: at 10,000 tasks on embedded the CLI's peak RSS fell from 151 to 141 MiB and the export was no slower
 * (npm run bench -- --migration, this 2-core machine).
 */
const PAGE_SIZE = 250;

/** Every item of a paginated list, page after page. */
async function* paged<T>(fetch: (token: string) => Promise<{ items: T[]; next: string }>): AsyncGenerator<T> {
  let token = '';
  do {
    const page = await fetch(token);
    yield* page.items;
    token = page.next;
  } while (token !== '');
}

function eventsOf(
  connection: OrchestratorConnection,
  assetKind: AssetKind,
  eventKind: EventKind,
): AsyncGenerator<Event> {
  return paged(async (pageToken) => {
    const response = await connection.call(rowOf(EventService.method.queryEvents), {
      pageToken,
      pageSize: PAGE_SIZE,
      filter: { assetKind, eventKind },
      sort: SortOrder.ASCENDING,
    });
    return { items: response.events, next: response.nextPageToken };
  });
}

/**
 * Events in QueryEvents order (timestamp, then id), each run of one timestamp re-sorted by asset key: events of
 * one call share a timestamp, and their ids differ between modes, so only the key gives one order everywhere.
 */
async function* byTimestampThenKey(events: AsyncIterable<Event>): AsyncGenerator<Event> {
  let run: Event[] = [];
  const stamp = (event: Event): string => `${event.timestamp?.seconds ?? ''}.${event.timestamp?.nanos ?? ''}`;
  const sorted = (): Event[] => run.sort((a, b) => (a.assetKey < b.assetKey ? -1 : a.assetKey > b.assetKey ? 1 : 0));
  for await (const event of events) {
    if (run.length > 0 && stamp(run[0]!) !== stamp(event)) {
      yield* sorted();
      run = [];
    }
    run.push(event);
  }
  yield* sorted();
}

/** How many events the channel holds now, counted through QueryEvents. */
async function countEvents(connection: OrchestratorConnection): Promise<number> {
  let count = 0;
  for await (const _ of eventsOf(connection, AssetKind.ASSET_UNKNOWN, EventKind.EVENT_UNKNOWN)) count++;
  return count;
}

/**
 * Writes the channel's ledger to `sink` and returns its manifest. The ledger should not change meanwhile (stop
 * writers first): the file is one consistent picture only if nobody writes while it is read.
 */
export async function exportLedger(
  connection: OrchestratorConnection,
  sink: LineSink,
  progress: ExportProgress = () => undefined,
): Promise<LedgerManifest> {
  const writer = new LedgerWriter(sink, connection.options.channel);
  const call = connection.call.bind(connection);
  const page = { pageSize: PAGE_SIZE };
  const section = async <K extends RecordKind>(kind: K, items: AsyncIterable<unknown>): Promise<void> => {
    for await (const value of items) {
      await writer.write({ kind, value } as Parameters<LedgerWriter['write']>[0]);
      if (writer.count(kind) % 500 === 0) progress(kind, writer.count(kind));
    }
    progress(kind, writer.count(kind));
  };

  const organizations = await call(rowOf(OrganizationService.method.getAllOrganizations), {});
  await section('organization', toAsync(organizations.organizations));
  await section(
    'function',
    paged(async (pageToken) => {
      const r = await call(rowOf(FunctionService.method.queryFunctions), { ...page, pageToken });
      return { items: r.Functions, next: r.nextPageToken };
    }),
  );
  await section(
    'dataManager',
    paged(async (pageToken) => {
      const r = await call(rowOf(DataManagerService.method.queryDataManagers), { ...page, pageToken });
      return { items: r.dataManagers, next: r.nextPageToken };
    }),
  );
  await section(
    'dataSample',
    paged(async (pageToken) => {
      const r = await call(rowOf(DataSampleService.method.queryDataSamples), { ...page, pageToken });
      return { items: r.dataSamples, next: r.nextPageToken };
    }),
  );
  await section(
    'computePlan',
    paged(async (pageToken) => {
      const r = await call(rowOf(ComputePlanService.method.queryPlans), { ...page, pageToken });
      return { items: r.plans, next: r.nextPageToken };
    }),
  );
  await section(
    'computeTask',
    paged(async (pageToken) => {
      const r = await call(rowOf(ComputeTaskService.method.queryTasks), { ...page, pageToken });
      return { items: r.tasks, next: r.nextPageToken };
    }),
  );
  await section('model', currentModels(connection));
  await section('failureReport', failureReports(connection));
  await section(
    'performance',
    paged(async (pageToken) => {
      const r = await call(rowOf(PerformanceService.method.queryPerformances), { ...page, pageToken });
      return { items: r.Performances, next: r.nextPageToken };
    }),
  );
  await section(
    'event',
    history(connection, (written, total) => progress('event', written, total)),
  );
  return writer.finish();
}

async function* toAsync<T>(items: Iterable<T>): AsyncGenerator<T> {
  yield* items;
}

/**
 * Models as they are now: each model's creation event, replaced by its disabling event when there is one (a model
 * changes only when disabled). The disabled ones are held in memory; they are the few whose address was removed.
 */
async function* currentModels(connection: OrchestratorConnection): AsyncGenerator<Model> {
  const disabled = new Map<string, Model>();
  for await (const event of eventsOf(connection, AssetKind.ASSET_MODEL, EventKind.EVENT_ASSET_DISABLED)) {
    if (event.asset.case === 'model') disabled.set(event.asset.value.key, event.asset.value);
  }
  const created = byTimestampThenKey(eventsOf(connection, AssetKind.ASSET_MODEL, EventKind.EVENT_ASSET_CREATED));
  for await (const event of created) {
    if (event.asset.case !== 'model') continue;
    yield disabled.get(event.asset.value.key) ?? event.asset.value;
  }
}

async function* failureReports(connection: OrchestratorConnection) {
  const created = eventsOf(connection, AssetKind.ASSET_FAILURE_REPORT, EventKind.EVENT_ASSET_CREATED);
  for await (const event of byTimestampThenKey(created)) {
    if (event.asset.case === 'failureReport') yield event.asset.value;
  }
}

/**
 * The whole history in stream order (SubscribeToEvents from the start), which is the order subscribers saw and
 * resume in; QueryEvents' order (timestamp, then id) is not, within one call. The stream never ends by itself, so
 * the events are counted first and the stream is left after that many.
 */
async function* history(
  connection: OrchestratorConnection,
  progress: (written: number, total: number) => void,
): AsyncGenerator<Event> {
  const total = await countEvents(connection);
  if (total === 0) return;
  const stop = new AbortController();
  let received = 0;
  try {
    for await (const event of connection.stream(
      rowOf(EventService.method.subscribeToEvents),
      { startEventId: '' },
      stop.signal,
    )) {
      yield event;
      received++;
      if (received % 500 === 0) progress(received, total);
      if (received === total) return;
    }
    throw new OrcError('Unavailable', `the event stream ended after ${received} of ${total} events`);
  } finally {
    stop.abort();
  }
}
