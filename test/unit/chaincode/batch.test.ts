// The batch transaction (orchestrator.Batch:Execute) through fabric-shim's own dispatch: several writes of one
// organization in one Fabric transaction, each behaving as if it were a transaction of its own committed in order.
import {
  create,
  fromBinary,
  toBinary,
  type DescMessage,
  type DescMethodUnary,
  type MessageInitShape,
} from '@bufbuild/protobuf';
import { afterEach, describe, expect, it, vi } from 'vitest';
import {
  BATCH_TRANSACTION,
  decodeBatchResponse,
  encodeBatchRequest,
  rpcByPath,
  transactionName,
  type BatchCall,
} from '../../../lib/api/index.js';
import {
  ComputePlanAction,
  ComputePlanSchema,
  ComputePlanService,
  EventKind,
  OrganizationService,
} from '../../../lib/asset/index.js';
import { orcErrorFromText } from '../../../lib/errors/index.js';
import { ComputePlanService as PlanService } from '../../../lib/service/computeplan.js';
import { CHAINCODE_EVENT_NAME, decodeEventPayload, eventId } from '../../../lib/fabricevents/index.js';
import { newPlan, ORG1, ORG2 } from '../service/fixtures.js';
import { FakeFabric } from './fakefabric.js';

function call<I extends DescMessage, O extends DescMessage>(
  method: DescMethodUnary<I, O>,
  request: MessageInitShape<I>,
): BatchCall {
  const rpc = rpcByPath(`/${method.parent.typeName}/${method.name}`);
  if (!rpc) throw new Error(`${method.name} is not in the RPC table`);
  return { function: transactionName(rpc), request: toBinary(method.input, create(method.input, request)) };
}

const registerPlan = (plan: MessageInitShape<typeof ComputePlanService.method.registerPlan.input>) =>
  call(ComputePlanService.method.registerPlan, plan);

/** A ledger where both organizations are registered. */
async function ledger(): Promise<FakeFabric> {
  const fabric = new FakeFabric();
  for (const [org, address] of [
    [ORG1, 'https://org1.example.com'],
    [ORG2, 'https://org2.example.com'],
  ] as const) {
    expect((await fabric.call(OrganizationService.method.registerOrganization, { address }, org)).status).toBe(200);
  }
  return fabric;
}

async function batch(fabric: FakeFabric, calls: BatchCall[], mspid = ORG1) {
  const result = await fabric.submit(BATCH_TRANSACTION, encodeBatchRequest(calls), mspid);
  expect(result.message).toBe('');
  expect(result.status).toBe(200);
  return { ...result, outcomes: decodeBatchResponse(result.payload) };
}

const plan = (outcome: { response?: Uint8Array }) => fromBinary(ComputePlanSchema, outcome.response!);
const errorCode = (outcome: { error?: string }) => orcErrorFromText(outcome.error ?? '')?.code;

afterEach(() => {
  vi.restoreAllMocks();
});

describe('batch transaction', () => {
  it('answers every call in order; a refused call changes nothing and the others still apply', async () => {
    const fabric = await ledger();
    const [p1, p2] = [newPlan(), newPlan()];
    const { outcomes, event, txId } = await batch(fabric, [
      registerPlan(p1),
      registerPlan(p1),
      registerPlan({ key: 'not-a-uuid' }),
      registerPlan(p2),
    ]);
    expect(outcomes.map((o) => (o.error === undefined ? plan(o).key : errorCode(o)))).toEqual([
      p1.key,
      'OE0006',
      'OE0101',
      p2.key,
    ]);
    expect(plan(outcomes[0]!).owner).toBe(ORG1);
    // One chaincode event for the batch, numbered across it, holding only the calls that succeeded.
    expect(event?.name).toBe(CHAINCODE_EVENT_NAME);
    const events = decodeEventPayload(event!.payload);
    expect(events.map((e) => [e.id, EventKind[e.eventKind], e.assetKey])).toEqual([
      [eventId(txId, 0), 'EVENT_ASSET_CREATED', p1.key],
      [eventId(txId, 1), 'EVENT_ASSET_CREATED', p2.key],
    ]);
    for (const key of [p1.key, p2.key]) {
      expect((await fabric.call(ComputePlanService.method.getPlan, { key }, ORG2)).response?.key).toBe(key);
    }
  });

  it('lets a call see the writes of the calls before it', async () => {
    const fabric = await ledger();
    const p = newPlan();
    const { outcomes } = await batch(fabric, [
      call(ComputePlanService.method.applyPlanAction, { key: p.key, action: ComputePlanAction.PLAN_ACTION_CANCELED }),
      registerPlan(p),
      call(ComputePlanService.method.applyPlanAction, { key: p.key, action: ComputePlanAction.PLAN_ACTION_CANCELED }),
    ]);
    expect(outcomes.map((o) => o.error && errorCode(o))).toEqual(['OE0002', undefined, undefined]);
    const stored = (await fabric.call(ComputePlanService.method.getPlan, { key: p.key }, ORG1)).response;
    expect(stored?.cancelationDate).toBeDefined();
  });

  it('undoes a call that wrote before it failed: same writes and event as a batch without it', async () => {
    const [withFailure, without] = [await ledger(), await ledger()];
    const [p1, doomed, p2] = [newPlan(), newPlan(), newPlan()];
    const real = PlanService.prototype.registerPlan;
    vi.spyOn(PlanService.prototype, 'registerPlan').mockImplementation(async function (this: PlanService, input) {
      const registered = await real.call(this, input);
      if (input.key === doomed.key) throw new Error('storage failed after the write');
      return registered;
    });
    const failed = await batch(withFailure, [registerPlan(p1), registerPlan(doomed), registerPlan(p2)]);
    const clean = await batch(without, [registerPlan(p1), registerPlan(p2)]);
    expect(failed.outcomes.map((o) => o.error && errorCode(o))).toEqual([undefined, 'OE0007', undefined]);
    expect(failed.writes).toEqual(clean.writes);
    expect(failed.event).toEqual(clean.event);
    expect(failed.writes.some((w) => w.key.includes(doomed.key))).toBe(false);
  });

  it('refuses reads and unknown functions per call, with OE0010', async () => {
    const fabric = await ledger();
    const p = newPlan();
    const { outcomes } = await batch(fabric, [
      call(ComputePlanService.method.getPlan, { key: p.key }),
      { function: 'orchestrator.NoSuchService:Nothing', request: new Uint8Array() },
      registerPlan(p),
    ]);
    expect(outcomes.map((o) => o.error && errorCode(o))).toEqual(['OE0010', 'OE0010', undefined]);
  });

  it('writes nothing and sets no event when every call fails', async () => {
    const fabric = await ledger();
    const { outcomes, writes, event } = await batch(fabric, [registerPlan({ key: 'bad' })]);
    expect(outcomes.map(errorCode)).toEqual(['OE0101']);
    expect(writes).toEqual([]);
    expect(event).toBeUndefined();
  });

  it('fails as a whole, with OE0101 and no write, on bytes that are not a batch or on an empty batch', async () => {
    const fabric = await ledger();
    for (const bytes of [new Uint8Array([0x0a, 0xff, 0xff]), encodeBatchRequest([])]) {
      const result = await fabric.submit(BATCH_TRANSACTION, bytes, ORG1);
      expect(result.status).toBe(500);
      expect(orcErrorFromText(result.message)?.code).toBe('OE0101');
      expect(result.writes).toEqual([]);
      expect(result.event).toBeUndefined();
    }
  });

  it('takes the requester from the signer, as single transactions do', async () => {
    const fabric = await ledger();
    const { outcomes } = await batch(fabric, [registerPlan(newPlan())], ORG2);
    expect(plan(outcomes[0]!).owner).toBe(ORG2);
  });
});
