// Two endorsing peers must simulate a transaction identically, or the endorsement policy (both organizations) fails.
// The same RegisterTasks batch of 1,000 tasks runs on two fresh ledgers, with every wall-clock and randomness source
// booby-trapped for code of this repository, and the two simulations must agree byte for byte.
import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import {
  ComputePlanService,
  ComputeTaskService,
  DataManagerService,
  DataSampleService,
  FunctionService,
  OrganizationService,
} from '../../../lib/asset/index.js';
import { decodeEventPayload, eventId } from '../../../lib/fabricevents/index.js';
import {
  newDataManager,
  newDataSample,
  newFunction,
  newPlan,
  ORG1,
  ORG2,
  publicPerms,
  shapes,
} from '../service/fixtures.js';
import { FakeFabric, type TxResult } from './fakefabric.js';
import { flBatch } from './fixtures.js';

const repoRoot = fileURLToPath(new URL('../../../', import.meta.url));

// Built once, so that both ledgers receive the very same requests.
const trainFn = newFunction({ ...shapes.train(), newPermissions: publicPerms() });
const aggregateFn = newFunction({ ...shapes.chain(), newPermissions: publicPerms() });
const dm1 = newDataManager({ newPermissions: publicPerms() });
const dm2 = newDataManager({ newPermissions: publicPerms() });
const samples1 = [1, 2, 3, 4, 5].map(() => newDataSample([dm1.key]));
const samples2 = [1, 2, 3, 4, 5].map(() => newDataSample([dm2.key]));
const plan = newPlan({ metadata: { z: 'last', a: 'first', m: 'middle' } });
const tasks = flBatch(1000, {
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

/** A ledger with everything the batch refers to, then the batch itself (not committed). */
async function simulateBatch(): Promise<TxResult> {
  const fabric = new FakeFabric();
  const ok = async (result: Promise<TxResult>): Promise<void> => {
    const r = await result;
    expect(r.message).toBe('');
  };
  await ok(fabric.call(OrganizationService.method.registerOrganization, { address: 'https://org1.example.com' }, ORG1));
  await ok(fabric.call(OrganizationService.method.registerOrganization, { address: 'https://org2.example.com' }, ORG2));
  await ok(fabric.call(FunctionService.method.registerFunction, trainFn, ORG1));
  await ok(fabric.call(FunctionService.method.registerFunction, aggregateFn, ORG1));
  await ok(fabric.call(DataManagerService.method.registerDataManager, dm1, ORG1));
  await ok(fabric.call(DataManagerService.method.registerDataManager, dm2, ORG2));
  await ok(fabric.call(DataSampleService.method.registerDataSamples, { samples: samples1 }, ORG1));
  await ok(fabric.call(DataSampleService.method.registerDataSamples, { samples: samples2 }, ORG2));
  await ok(fabric.call(ComputePlanService.method.registerPlan, plan, ORG1));
  const batch = await fabric.call(ComputeTaskService.method.registerTasks, { tasks }, ORG1);
  expect(batch.message).toBe('');
  return batch;
}

/** True when the innermost frame outside node_modules and this test belongs to the repository's code. */
function calledFromRepoCode(): boolean {
  const frames = (new Error().stack ?? '').split('\n').slice(1);
  const self = fileURLToPath(import.meta.url);
  for (const frame of frames) {
    if (frame.includes('node_modules') || frame.includes('node:') || frame.includes(self)) continue;
    return /\/(lib|chaincode)\//.test(frame) && frame.includes(repoRoot);
  }
  return false;
}

/** Makes `owner[name]` throw when code of this repository calls it; other callers (the shim's logger) pass. */
function forbid<T extends object>(owner: T, name: keyof T & string): void {
  const original = owner[name] as (...args: unknown[]) => unknown;
  vi.spyOn(owner, name as never).mockImplementation(((...args: unknown[]) => {
    if (calledFromRepoCode()) throw new Error(`non-deterministic ${name}() called from chaincode code`);
    return original.apply(owner, args);
  }) as never);
}

describe('chaincode determinism', () => {
  beforeEach(() => {
    forbid(Date, 'now');
    forbid(Math, 'random');
    forbid(performance, 'now');
    forbid(globalThis.crypto, 'randomUUID');
    forbid(globalThis.crypto, 'getRandomValues');
  });
  afterEach(() => {
    vi.restoreAllMocks();
  });

  it('simulates the same RegisterTasks x1000 identically on two fresh ledgers', async () => {
    const first = await simulateBatch();
    // A later wall-clock instant and a different heap: nothing of that may leak into the simulation.
    await new Promise((resolve) => setTimeout(resolve, 5));
    const second = await simulateBatch();

    expect(first.status).toBe(200);
    expect(second.txId).toBe(first.txId);
    expect(Buffer.from(second.payload).equals(Buffer.from(first.payload))).toBe(true);
    expect(second.reads).toEqual(first.reads);
    expect(second.writes.length).toBe(first.writes.length);
    expect(second.writes.map((w) => w.key)).toEqual(first.writes.map((w) => w.key));
    const differing = first.writes.filter(
      (w, i) => !Buffer.from(w.value ?? []).equals(Buffer.from(second.writes[i]?.value ?? [])),
    );
    expect(differing.map((w) => w.key)).toEqual([]);
    expect(second.event?.name).toBe(first.event?.name);
    expect(Buffer.from(second.event!.payload).equals(Buffer.from(first.event!.payload))).toBe(true);

    const events = decodeEventPayload(first.event!.payload);
    expect(events).toHaveLength(1000);
    expect(events.map((e) => e.id)).toEqual(events.map((_, i) => eventId(first.txId, i)));
    expect(events[999]?.id).toBe(`${first.txId}:000999`);
  }, 120_000);

  it('chaincode/ has no clock, randomness or unordered iteration source', () => {
    const dir = new URL('../../../chaincode/', import.meta.url);
    const sources = readdirSync(dir).filter((f) => f.endsWith('.ts'));
    expect(sources.length).toBeGreaterThan(0);
    for (const file of sources) {
      const text = readFileSync(new URL(file, dir), 'utf8');
      expect(text, file).not.toMatch(
        /Date\.now|new Date\(|Math\.random|randomUUID|randomBytes|performance\.now|getDateTimestamp/,
      );
    }
  });
});
