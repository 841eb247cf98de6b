import { SortOrder, type ComputeTask, type Event } from '../asset/index.js';
import { badRequest, invalidAsset } from '../errors/index.js';
import type { DBAL } from '../persistence/index.js';
import type { LedgerRecord } from './format.js';

/** Events and tasks go to the DBAL in slices of this many, so a large ledger is never one huge statement. */
const SLICE = 1000;

/**
 * FAILED_PRECONDITION unless the channel is empty: no organization and no event (every asset's registration emits
 * one), so an import never merges two histories.
 */
export async function requireEmptyChannel(dbal: DBAL, channel: string): Promise<void> {
  const organizations = await dbal.getAllOrganizations();
  const events = await dbal.queryEvents({ token: '', size: 1 }, {}, SortOrder.ASCENDING);
  if (organizations.length > 0 || events.items.length > 0) {
    throw badRequest(`channel ${channel} already holds assets: a ledger is imported into an empty channel only`);
  }
}

const dateOf = (task: ComputeTask): string =>
  task.creationDate ? `${task.creationDate.seconds}.${task.creationDate.nanos}` : '';

/**
 * Writes a verified ledger file's records as stored state, through the DBAL only: no business rule runs, so
 * statuses, dates, owners and permissions are those of the file, and events keep their ids and their order. What
 * the API does not list by itself, each task output's produced assets, is rebuilt from the history (their
 * creation events, in order). Run inside one transaction of the target (or, on Fabric, one of several, which the
 * caller compensates).
 *
 * @returns the number of records written.
 */
export async function applyLedger(dbal: DBAL, records: AsyncIterable<LedgerRecord>, channel: string): Promise<number> {
  // Tasks of one registration share a creation date and may list a child before its parent: such a group goes to
  // the DBAL in one call, which takes parents anywhere in the call.
  let tasks: ComputeTask[] = [];
  let events: Event[] = [];
  const flushTasks = async (): Promise<void> => {
    if (tasks.length > 0) await dbal.addComputeTasks(tasks);
    tasks = [];
  };
  const flushEvents = async (): Promise<void> => {
    if (events.length > 0) await dbal.addEvents(events);
    events = [];
  };
  let written = 0;
  for await (const record of records) {
    written++;
    if (record.kind !== 'computeTask') await flushTasks();
    switch (record.kind) {
      case 'organization':
        await dbal.addOrganization(record.value);
        break;
      case 'function':
        await dbal.addFunction(record.value);
        break;
      case 'dataManager':
        await dbal.addDataManager(record.value);
        break;
      case 'dataSample':
        await dbal.addDataSamples([record.value]);
        break;
      case 'computePlan':
        await dbal.addComputePlan(record.value);
        break;
      case 'computeTask': {
        const last = tasks.at(-1);
        if (last && tasks.length >= SLICE && dateOf(last) !== dateOf(record.value)) await flushTasks();
        tasks.push(record.value);
        break;
      }
      case 'model':
        await dbal.addModel(record.value);
        break;
      case 'failureReport':
        await dbal.addFailureReport(record.value);
        break;
      case 'performance':
        await dbal.addPerformance(record.value);
        break;
      case 'event': {
        const event = record.value;
        if (!event.id) throw invalidAsset(`ledger file: an event of ${event.assetKey} has no id`);
        event.channel = channel;
        if (event.asset.case === 'computeTaskOutputAsset') await dbal.addComputeTaskOutputAsset(event.asset.value);
        events.push(event);
        if (events.length >= SLICE) await flushEvents();
        break;
      }
    }
  }
  await flushTasks();
  await flushEvents();
  return written;
}
