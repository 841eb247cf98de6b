// A small federated-learning run through the chaincode, as the facade would drive it: organizations, functions, data,
// a plan, tasks, builds, execution, a model. Checks the chaincode's side of every call: one chaincode event per
// writing transaction carrying the buffered events in emission order with deterministic ids, nothing from reads, and
// failures that leave neither writes nor events.
import type { DescMessage, DescMethodUnary, MessageInitShape, MessageShape } from '@bufbuild/protobuf';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  AssetKind,
  ComputePlanService,
  ComputeTaskAction,
  ComputeTaskService,
  ComputeTaskStatus,
  DataManagerService,
  DataSampleService,
  EventKind,
  EventService,
  FunctionAction,
  FunctionService,
  ModelService,
  OrganizationService,
  SortOrder,
  type Event,
} from '../../../lib/asset/index.js';
import { CHAINCODE_EVENT_NAME, decodeEventPayload, eventId } from '../../../lib/fabricevents/index.js';
import {
  newDataManager,
  newDataSample,
  newFunction,
  newModel,
  newPlan,
  ORG1,
  ORG2,
  publicPerms,
  shapes,
} from '../service/fixtures.js';
import { CHANNEL, FakeFabric, type TxResult } from './fakefabric.js';
import { flBatch } from './fixtures.js';

/** Every event of every committed transaction, in ledger order: what a subscriber replaying the channel sees. */
const ledgerEvents: Event[] = [];
const fabric = new FakeFabric();

/** The events of one writing transaction, checked: one chaincode event, ids `<tx>:<index>`, channel, one instant. */
function eventsOf(result: TxResult): Event[] {
  expect(result.event?.name).toBe(CHAINCODE_EVENT_NAME);
  const events = decodeEventPayload(result.event!.payload);
  expect(events.length).toBeGreaterThan(0);
  expect(events.map((e) => e.id)).toEqual(events.map((_, i) => eventId(result.txId, i)));
  expect(new Set(events.map((e) => e.channel))).toEqual(new Set([CHANNEL]));
  expect(new Set(events.map((e) => `${e.timestamp?.seconds}.${e.timestamp?.nanos}`)).size).toBe(1);
  return events;
}

async function submit<I extends DescMessage, O extends DescMessage>(
  method: DescMethodUnary<I, O>,
  request: MessageInitShape<I>,
  mspid: string,
): Promise<{ response: MessageShape<O>; events: Event[] }> {
  const result = await fabric.call(method, request, mspid);
  expect(result.message).toBe('');
  expect(result.status).toBe(200);
  const events = eventsOf(result);
  ledgerEvents.push(...events);
  return { response: result.response!, events };
}

async function query<I extends DescMessage, O extends DescMessage>(
  method: DescMethodUnary<I, O>,
  request: MessageInitShape<I>,
  mspid = ORG1,
): Promise<MessageShape<O>> {
  const result = await fabric.call(method, request, mspid);
  expect(result.message).toBe('');
  expect(result.event).toBeUndefined();
  expect(result.writes).toEqual([]);
  return result.response!;
}

const summary = (events: Event[]): string[] =>
  events.map((e) => `${EventKind[e.eventKind]} ${AssetKind[e.assetKind]} ${e.assetKey}`);

describe('chaincode scenario', () => {
  const trainFn = newFunction({ ...shapes.train(), newPermissions: publicPerms() });
  const aggregateFn = newFunction({ ...shapes.chain(), newPermissions: publicPerms() });
  const dm1 = newDataManager({ newPermissions: publicPerms() });
  const dm2 = newDataManager({ newPermissions: publicPerms() });
  const samples1 = [newDataSample([dm1.key]), newDataSample([dm1.key])];
  const samples2 = [newDataSample([dm2.key])];
  const plan = newPlan();
  const tasks = flBatch(5, {
    planKey: plan.key,
    trainFunctionKey: trainFn.key,
    aggregateFunctionKey: aggregateFn.key,
    aggregator: ORG1,
    orgs: [ORG1, ORG2],
    dataManagers: [
      { key: dm1.key, sampleKeys: samples1.map((s) => s.key) },
      { key: dm2.key, sampleKeys: samples2.map((s) => s.key) },
    ],
  });
  const [train1, train2, aggregate, train1b] = tasks.map((t) => t.key);

  beforeAll(async () => {
    await submit(OrganizationService.method.registerOrganization, { address: 'https://org1.example.com' }, ORG1);
    await submit(OrganizationService.method.registerOrganization, { address: 'https://org2.example.com' }, ORG2);
    await submit(FunctionService.method.registerFunction, trainFn, ORG1);
    await submit(FunctionService.method.registerFunction, aggregateFn, ORG1);
    await submit(DataManagerService.method.registerDataManager, dm1, ORG1);
    await submit(DataManagerService.method.registerDataManager, dm2, ORG2);
    await submit(DataSampleService.method.registerDataSamples, { samples: samples1 }, ORG1);
    await submit(DataSampleService.method.registerDataSamples, { samples: samples2 }, ORG2);
    await submit(ComputePlanService.method.registerPlan, plan, ORG1);
  });

  it('registers tasks: one CREATED event per task, in response order', async () => {
    const { response, events } = await submit(ComputeTaskService.method.registerTasks, { tasks }, ORG1);
    expect(response.tasks.map((t) => t.key)).toEqual(tasks.map((t) => t.key));
    expect(summary(events)).toEqual(response.tasks.map((t) => `EVENT_ASSET_CREATED ASSET_COMPUTE_TASK ${t.key}`));
    expect(response.tasks.map((t) => t.status)).toEqual(
      tasks.map(() => ComputeTaskStatus.STATUS_WAITING_FOR_BUILDER_SLOT),
    );
    // The response and the events carry the same dates: the transaction timestamp at µs.
    expect(events[0]?.timestamp).toEqual(response.tasks[0]?.creationDate);
    expect(response.tasks[0]?.creationDate?.nanos).toBe(123_456_000);
  });

  it('builds the functions: the function event then its tasks, all in one chaincode event', async () => {
    for (const fn of [trainFn, aggregateFn]) {
      await submit(
        FunctionService.method.applyFunctionAction,
        { functionKey: fn.key, action: FunctionAction.BUILDING },
        ORG1,
      );
    }
    const { events } = await submit(
      FunctionService.method.applyFunctionAction,
      { functionKey: trainFn.key, action: FunctionAction.READY },
      ORG1,
    );
    expect(events[0]?.assetKind).toBe(AssetKind.ASSET_FUNCTION);
    expect(events.slice(1).every((e) => e.assetKind === AssetKind.ASSET_COMPUTE_TASK)).toBe(true);
    await submit(
      FunctionService.method.applyFunctionAction,
      { functionKey: aggregateFn.key, action: FunctionAction.READY },
      ORG1,
    );
    const task = await query(ComputeTaskService.method.getTask, { key: train1 });
    expect(task.status).toBe(ComputeTaskStatus.STATUS_WAITING_FOR_EXECUTOR_SLOT);
  });

  it('runs a task to DONE and releases nothing until every parent is done', async () => {
    await submit(
      ComputeTaskService.method.applyTaskAction,
      { computeTaskKey: train1, action: ComputeTaskAction.TASK_ACTION_EXECUTING },
      ORG1,
    );
    const model = newModel(train1!);
    const { events: modelEvents } = await submit(ModelService.method.registerModel, model, ORG1);
    expect(summary(modelEvents)).toEqual([
      `EVENT_ASSET_CREATED ASSET_MODEL ${model.key}`,
      `EVENT_ASSET_CREATED ASSET_COMPUTE_TASK_OUTPUT_ASSET ${train1}`,
    ]);
    await submit(
      ComputeTaskService.method.applyTaskAction,
      { computeTaskKey: train1, action: ComputeTaskAction.TASK_ACTION_DONE },
      ORG1,
    );
    const waiting = await query(ComputeTaskService.method.getTask, { key: aggregate });
    expect(waiting.status).toBe(ComputeTaskStatus.STATUS_WAITING_FOR_PARENT_TASKS);
    // The second parent, on the other organization, releases the aggregate: two UPDATED events in one transaction.
    await submit(
      ComputeTaskService.method.applyTaskAction,
      { computeTaskKey: train2, action: ComputeTaskAction.TASK_ACTION_EXECUTING },
      ORG2,
    );
    await submit(ModelService.method.registerModel, newModel(train2!), ORG2);
    const { events } = await submit(
      ComputeTaskService.method.applyTaskAction,
      { computeTaskKey: train2, action: ComputeTaskAction.TASK_ACTION_DONE },
      ORG2,
    );
    expect(summary(events)).toEqual([
      `EVENT_ASSET_UPDATED ASSET_COMPUTE_TASK ${train2}`,
      `EVENT_ASSET_UPDATED ASSET_COMPUTE_TASK ${aggregate}`,
    ]);
    expect(events.map((e) => e.metadata['reason'] !== undefined)).toEqual([true, true]);
  });

  it('answers reads without events or writes', async () => {
    const running = await query(ComputePlanService.method.isPlanRunning, { key: plan.key });
    expect(running.isRunning).toBe(true);
    const page = await query(ComputeTaskService.method.queryTasks, {
      pageSize: 10,
      filter: { computePlanKey: plan.key },
    });
    expect(page.tasks.map((t) => t.key).sort()).toEqual(tasks.map((t) => t.key).sort());
    const inputs = await query(ComputeTaskService.method.getTaskInputAssets, { computeTaskKey: aggregate });
    expect(inputs.assets).toHaveLength(2);
    const orgs = await query(OrganizationService.method.getAllOrganizations, {});
    expect(orgs.organizations.map((o) => o.id)).toEqual([ORG1, ORG2]);
  });

  it('QueryEvents reads back from world state exactly what the chaincode events carried', async () => {
    const stored: Event[] = [];
    let pageToken = '';
    do {
      const page = await query(EventService.method.queryEvents, { pageSize: 7, pageToken, sort: SortOrder.ASCENDING });
      stored.push(...page.events);
      pageToken = page.nextPageToken;
    } while (pageToken);
    // Ids order a transaction's events (zero-padded index) and transactions are a second apart: ledger order.
    expect(stored).toEqual(ledgerEvents);
    const byTask = await query(EventService.method.queryEvents, { filter: { assetKey: train1 } });
    expect(summary(byTask.events)).toEqual([
      `EVENT_ASSET_CREATED ASSET_COMPUTE_TASK ${train1}`,
      `EVENT_ASSET_UPDATED ASSET_COMPUTE_TASK ${train1}`,
      `EVENT_ASSET_UPDATED ASSET_COMPUTE_TASK ${train1}`,
      `EVENT_ASSET_UPDATED ASSET_COMPUTE_TASK ${train1}`,
      `EVENT_ASSET_CREATED ASSET_COMPUTE_TASK_OUTPUT_ASSET ${train1}`,
      `EVENT_ASSET_UPDATED ASSET_COMPUTE_TASK ${train1}`,
    ]);
  });

  describe('failures leave no write and no event', () => {
    async function expectRejected(result: TxResult, code: string): Promise<void> {
      expect(result.status).toBe(500);
      expect(result.message.startsWith(`${code}: `)).toBe(true);
      // afterTransaction did not run: the chaincode set no event at all.
      expect(result.event).toBeUndefined();
    }

    it('a conflicting registration (OE0006)', async () => {
      const before = fabric.world.entries();
      const result = await fabric.call(ComputeTaskService.method.registerTasks, { tasks: [tasks[0]!] }, ORG1);
      await expectRejected(result, 'OE0006');
      expect(fabric.world.entries()).toEqual(before);
    });

    it('a refused caller (OE0102)', async () => {
      const before = fabric.world.entries();
      const [extra] = flBatch(1, {
        planKey: plan.key,
        trainFunctionKey: trainFn.key,
        aggregateFunctionKey: aggregateFn.key,
        aggregator: ORG1,
        orgs: [ORG1, ORG2],
        dataManagers: [{ key: dm1.key, sampleKeys: [samples1[0]!.key] }],
      });
      // ORG2 does not own the plan.
      const task = { ...extra!, key: '11111111-1111-4111-8111-111111111111' };
      const result = await fabric.call(ComputeTaskService.method.registerTasks, { tasks: [task] }, ORG2);
      await expectRejected(result, 'OE0102');
      expect(fabric.world.entries()).toEqual(before);
    });

    it('a call failing after it wrote and emitted: the simulation is discarded whole', async () => {
      await submit(
        ComputeTaskService.method.applyTaskAction,
        { computeTaskKey: aggregate, action: ComputeTaskAction.TASK_ACTION_EXECUTING },
        ORG1,
      );
      const before = fabric.world.entries();
      // The first model is stored (and its events buffered), the second hits the unique output: OE0006.
      const models = [newModel(aggregate!), newModel(aggregate!)];
      const result = await fabric.call(ModelService.method.registerModels, { models }, ORG1);
      await expectRejected(result, 'OE0006');
      expect(result.writes.length).toBeGreaterThan(0);
      expect(fabric.world.entries()).toEqual(before);
      const stored = await query(ModelService.method.getComputeTaskOutputModels, { computeTaskKey: aggregate });
      expect(stored.models).toEqual([]);
    });

    it('an invalid state transition (OE0003)', async () => {
      const before = fabric.world.entries();
      const result = await fabric.call(
        ComputeTaskService.method.applyTaskAction,
        { computeTaskKey: train1b, action: ComputeTaskAction.TASK_ACTION_DONE },
        ORG1,
      );
      await expectRejected(result, 'OE0003');
      expect(fabric.world.entries()).toEqual(before);
    });

    it('an unknown asset (OE0002) on a read', async () => {
      const result = await fabric.call(
        ComputeTaskService.method.getTask,
        { key: '33333333-3333-4333-8333-333333333333' },
        ORG1,
      );
      await expectRejected(result, 'OE0002');
    });
  });
});
