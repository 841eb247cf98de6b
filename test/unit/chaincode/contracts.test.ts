// The contracts as fabric-shim sees them: every unary RPC of the table is a transaction function named
// "<service>:<Rpc>", marked evaluate or submit, reachable through the shim's own dispatch; bad calls answer OE codes.
import { create, toBinary } from '@bufbuild/protobuf';
import { describe, expect, it } from 'vitest';
import { BATCH_TRANSACTION, rpcs, transactionName, type UnaryRpc } from '../../../lib/api/index.js';
import { OrganizationService, RegisterOrganizationParamSchema } from '../../../lib/asset/index.js';
import { orcErrorFromText } from '../../../lib/errors/index.js';
import { contracts } from '../../../chaincode/main.js';
import { ORG1 } from '../service/fixtures.js';
import { FakeFabric } from './fakefabric.js';

const unary = rpcs.filter((rpc): rpc is UnaryRpc => rpc.kind === 'unary');

interface Metadata {
  contracts: Record<string, { transactions: { name: string; tag: string[]; parameters: unknown[] }[] }>;
}

describe('chaincode contracts', () => {
  it('exports one contract per gRPC service, named like the service, then the batch contract', () => {
    const names = contracts.map((cls) => new cls().getName());
    const services = [...new Set(unary.map((rpc) => rpc.method.parent.typeName))];
    expect(names).toEqual([...services, BATCH_TRANSACTION.split(':')[0]]);
  });

  it('declares every unary RPC as a transaction, evaluate when read-only (GetMetadata)', async () => {
    const fabric = new FakeFabric();
    const result = await fabric.run('org.hyperledger.fabric:GetMetadata', [], ORG1);
    expect(result.status).toBe(200);
    const metadata = JSON.parse(new TextDecoder().decode(result.payload)) as Metadata;
    const declared = Object.entries(metadata.contracts)
      .filter(([name]) => name !== 'org.hyperledger.fabric')
      .flatMap(([name, c]) => c.transactions.map((t) => [`${name}:${t.name}`, t.tag, t.parameters.length]));
    const expected = [
      ...unary.map((rpc) => [transactionName(rpc), rpc.readOnly ? ['EVALUATE'] : ['SUBMIT', 'submitTx'], 1]),
      [BATCH_TRANSACTION, ['SUBMIT', 'submitTx'], 1],
    ];
    expect(declared).toEqual(expected);
  });

  it.each(unary.map((rpc) => [transactionName(rpc), rpc] as const))(
    '%s is reachable and answers a response or an OE error',
    async (_name, rpc) => {
      const fabric = new FakeFabric();
      const request = toBinary(rpc.method.input, create(rpc.method.input));
      const result = await fabric.run(transactionName(rpc), [request], ORG1);
      if (result.status !== 200) {
        // An empty request is usually invalid; what matters is that the service ran and its error kept its code.
        expect(result.message).toMatch(/^OE\d{4}: /);
        expect(orcErrorFromText(result.message)?.kind).not.toBe('Internal');
        expect(result.event).toBeUndefined();
      }
      if (rpc.readOnly) {
        expect(result.event).toBeUndefined();
        expect(result.writes).toEqual([]);
      }
    },
  );

  it('answers OE0010 for a function no contract declares', async () => {
    const fabric = new FakeFabric();
    const result = await fabric.run('orchestrator.OrganizationService:Nope', [new Uint8Array(0)], ORG1);
    expect(result.status).toBe(500);
    expect(result.message).toMatch(/^OE0010: unknown transaction/);
  });

  it('answers OE0101 for bytes that are not the request message, with no write and no event', async () => {
    const fabric = new FakeFabric();
    const fn = transactionName(unary.find((rpc) => rpc.method === OrganizationService.method.registerOrganization)!);
    const result = await fabric.submit(fn, new Uint8Array([0xff, 0xff, 0xff]), ORG1);
    expect(result.status).toBe(500);
    expect(result.message).toMatch(/^OE0101: cannot decode orchestrator.RegisterOrganizationParam/);
    expect(result.event).toBeUndefined();
    expect(fabric.world.size).toBe(0);
  });

  it('refuses a call without its request argument (shim parameter check)', async () => {
    const fabric = new FakeFabric();
    const result = await fabric.run('orchestrator.OrganizationService:GetAllOrganizations', [], ORG1);
    expect(result.status).toBe(500);
    expect(result.message).toContain('Expected 1 parameters, but 0 have been supplied');
  });

  it('passes binary arguments and results through unchanged (bytes that are not valid UTF-8)', async () => {
    const fabric = new FakeFabric();
    // A string longer than 127 bytes has a two-byte length prefix (0x96 0x01 here): invalid UTF-8, which a
    // string-typed parameter (JSONSerializer: buffer.toString('utf8')) would replace with U+FFFD.
    const address = `https://example.com/${'a'.repeat(130)}`;
    const request = toBinary(RegisterOrganizationParamSchema, create(RegisterOrganizationParamSchema, { address }));
    expect(new TextDecoder('utf-8', { fatal: false }).decode(request)).toContain('\uFFFD');
    const registered = await fabric.call(OrganizationService.method.registerOrganization, { address }, ORG1);
    expect(registered.status).toBe(200);
    expect(registered.response?.address).toBe(address);
    const all = await fabric.call(OrganizationService.method.getAllOrganizations, {}, ORG1);
    expect(all.response?.organizations.map((o) => o.address)).toEqual([address]);
  });
});
