// Idempotent retries in the chaincode: the facade puts a write's key in the proposal's transient map; the first
// transaction writes the key's record to world state with its effects, and a later transaction under the same key
// (another facade's retry) answers the recorded response and writes nothing at all.
import { describe, expect, it } from 'vitest';
import { FunctionService, OrganizationService } from '../../../lib/asset/index.js';
import { idempotencyTransient } from '../../../lib/idempotency/index.js';
import { newFunction } from '../../conformance/fixtures.js';
import { FakeFabric } from './fakefabric.js';

const ORG = 'MyOrg1MSP';

describe('chaincode idempotency records', () => {
  it('answers a retry under the same key from world state, and refuses the key for another request', async () => {
    const fabric = new FakeFabric();
    await fabric.call(OrganizationService.method.registerOrganization, { address: '' }, ORG);
    const request = newFunction('model-only');

    fabric.transient = idempotencyTransient('retry-1', 60_000);
    const first = await fabric.call(FunctionService.method.registerFunction, request, ORG);
    expect(first.status).toBe(200);
    expect(first.event).toBeDefined();
    expect(first.writes.some((write) => write.key.includes('idem'))).toBe(true);

    const retry = await fabric.call(FunctionService.method.registerFunction, request, ORG);
    expect(retry.status).toBe(200);
    expect(retry.response).toEqual(first.response);
    expect(retry.writes).toEqual([]);
    expect(retry.event).toBeUndefined();

    const other = await fabric.call(FunctionService.method.registerFunction, newFunction('model-only'), ORG);
    expect(other.status).toBe(500);
    expect(other.message).toMatch(/^OE0101: /);

    // Without the key the same request is a second registration, which the ledger refuses.
    fabric.transient = {};
    const unkeyed = await fabric.call(FunctionService.method.registerFunction, request, ORG);
    expect(unkeyed.message).toMatch(/OE0006/);
  });

  it('refuses a malformed key in the transient map', async () => {
    const fabric = new FakeFabric();
    fabric.transient = idempotencyTransient('a,b', 60_000);
    const result = await fabric.call(OrganizationService.method.registerOrganization, { address: '' }, ORG);
    expect(result.message).toMatch(/^OE0101: /);
  });
});
