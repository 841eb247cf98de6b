// The facade's side of a batch transaction (submitBatch) over the real chaincode in a fake peer: refused calls are
// answered and endorsed again without, conflicts retry the whole batch, and nothing is applied twice.
import { create, fromBinary, toBinary } from '@bufbuild/protobuf';
import { StatusCode, type Contract } from '@hyperledger/fabric-gateway';
import { describe, expect, it } from 'vitest';
import { decodeBatchRequest, type BatchCall } from '../../../lib/api/index.js';
import {
  ComputePlanSchema,
  ComputePlanService,
  NewComputePlanSchema,
  OrganizationService,
} from '../../../lib/asset/index.js';
import { OrcError } from '../../../lib/errors/index.js';
import { submitBatch } from '../../../facade/fabric/invoke.js';
import { newPlan, ORG1 } from '../service/fixtures.js';
import { FakeFabric } from '../chaincode/fakefabric.js';

/** Just enough of fabric-gateway's Contract: endorse on the fake peer, commit by applying the write set. */
class FakeContract {
  /** The calls of every proposal endorsed, by plan key. */
  readonly endorsed: string[][] = [];
  committed = 0;
  conflicts = 0;

  constructor(private readonly fabric: FakeFabric) {}

  newProposal(name: string, options: { arguments: Uint8Array[] }) {
    const [request] = options.arguments as [Uint8Array];
    this.endorsed.push(
      decodeBatchRequest(request).map((c) => fromBinary(NewComputePlanSchema, c.request).key.slice(-4)),
    );
    return {
      endorse: async () => {
        const result = await this.fabric.run(name, [request], ORG1);
        if (result.status !== 200) throw new Error(result.message);
        const status = (code: number) => ({
          code,
          successful: code === 0,
          transactionId: result.txId,
          blockNumber: 0n,
        });
        return {
          getResult: () => result.payload,
          submit: () =>
            Promise.resolve({
              getTransactionId: () => result.txId,
              getStatus: () => {
                if (this.conflicts > 0) {
                  this.conflicts--;
                  return Promise.resolve(status(StatusCode.MVCC_READ_CONFLICT));
                }
                this.fabric.world.applyWrites(result.writes);
                this.committed++;
                return Promise.resolve(status(StatusCode.VALID));
              },
            }),
        };
      },
    };
  }
}

async function setup() {
  const fabric = new FakeFabric();
  await fabric.call(OrganizationService.method.registerOrganization, { address: 'https://org1.example.com' }, ORG1);
  return { fabric, contract: new FakeContract(fabric) };
}

const registerPlan = (key: string): BatchCall => ({
  function: 'orchestrator.ComputePlanService:RegisterPlan',
  request: toBinary(NewComputePlanSchema, create(NewComputePlanSchema, { key, name: 'p' })),
});
const options = { retryBudgetMs: 5_000, endorsingOrganizations: [] };
const outcome = (result: Uint8Array | OrcError | undefined) =>
  result instanceof OrcError ? result.kind : fromBinary(ComputePlanSchema, result!).key.slice(-4);

describe('submitBatch', () => {
  it('answers refused calls and endorses the rest again without them, so that they never reach the orderer', async () => {
    const { fabric, contract } = await setup();
    const [a, b] = [newPlan().key, newPlan().key];
    const results = await submitBatch(
      contract as unknown as Contract,
      [registerPlan(a), registerPlan(a), registerPlan('bad'), registerPlan(b)],
      options,
    );
    expect(results.map(outcome)).toEqual([a.slice(-4), 'Conflict', 'InvalidAsset', b.slice(-4)]);
    expect(contract.endorsed).toEqual([[a, a, 'bad', b].map((k) => k.slice(-4)), [a, b].map((k) => k.slice(-4))]);
    expect(contract.committed).toBe(1);
    for (const key of [a, b]) {
      expect((await fabric.call(ComputePlanService.method.getPlan, { key }, ORG1)).response?.key).toBe(key);
    }
  });

  it('submits nothing when every call is refused', async () => {
    const { contract } = await setup();
    const results = await submitBatch(contract as unknown as Contract, [registerPlan('x'), registerPlan('y')], options);
    expect(results.map(outcome)).toEqual(['InvalidAsset', 'InvalidAsset']);
    expect(contract.endorsed).toHaveLength(1);
    expect(contract.committed).toBe(0);
  });

  it('endorses the whole batch again after a read conflict, and applies it once', async () => {
    const { fabric, contract } = await setup();
    contract.conflicts = 2;
    const [a, b] = [newPlan().key, newPlan().key];
    const results = await submitBatch(contract as unknown as Contract, [registerPlan(a), registerPlan(b)], options);
    expect(results.map(outcome)).toEqual([a.slice(-4), b.slice(-4)]);
    expect(contract.endorsed).toHaveLength(3);
    expect(contract.committed).toBe(1);
    const plans = await fabric.call(ComputePlanService.method.queryPlans, { pageSize: 10 }, ORG1);
    expect(plans.response?.plans.map((p) => p.key).sort()).toEqual([a, b].sort());
  });

  it('gives up with ABORTED once the retry budget is spent', async () => {
    const { contract } = await setup();
    contract.conflicts = 1_000;
    const failure = submitBatch(contract as unknown as Contract, [registerPlan(newPlan().key)], {
      ...options,
      retryBudgetMs: 50,
    });
    await expect(failure).rejects.toMatchObject({ kind: 'Aborted' });
    expect(contract.committed).toBe(0);
  });
});
