// RegisterOrganization / GetAllOrganizations (substra-behaviour §2.1): one organization per MSP id and channel.
import { describe, expect, it } from 'vitest';
import { EventKind, OrganizationSchema } from '../../lib/asset/index.js';
import { RpcError } from '../support/client.js';
import { eventsOf, expectEventMeta, expectMessage, expectMicros, expectOrcError, payload } from './assertions.js';
import type { ConformanceContext } from './context.js';

/**
 * Registers the owner and the worker in both channels, as every backend does at start-up (ALREADY_EXISTS = already
 * done, e.g. on a long-lived network).
 */
export async function bootstrapOrganizations(ctx: ConformanceContext): Promise<void> {
  const { owner, worker, channels } = ctx.topology;
  for (const channel of channels) {
    for (const mspid of [owner, worker]) {
      try {
        await ctx.client(mspid, channel).organization.registerOrganization({ address: '' });
      } catch (err) {
        if (!(err instanceof RpcError && err.details.includes('OE0006'))) throw err;
      }
    }
  }
}

export function organizationScenarios(ctx: ConformanceContext): void {
  describe('organizations', () => {
    it('lists each registered organization once, with its CREATED event equal to the listed one', async () => {
      const { owner, worker } = ctx.topology;
      const { organizations } = await ctx.owner.organization.getAllOrganizations({});
      for (const id of [owner, worker]) {
        const listed = organizations.filter((o) => o.id === id);
        expect(listed, `${id} in GetAllOrganizations`).toHaveLength(1);
        expectMicros(listed[0]?.creationDate, `${id} creation_date`);
        const created = (await eventsOf(ctx.owner, id)).filter(
          (e) => e.eventKind === EventKind.EVENT_ASSET_CREATED && e.asset.case === 'organization',
        );
        expect(created, `CREATED organization events of ${id}`).toHaveLength(1);
        expectEventMeta(created[0]!, ctx.channel);
        expectMessage(OrganizationSchema, payload(created[0]!, 'organization'), listed[0]);
        expect(created[0]!.timestamp).toEqual(listed[0]?.creationDate);
      }
    });

    it('refuses a second registration with ALREADY_EXISTS (OE0006) and writes nothing', async () => {
      const before = await eventsOf(ctx.owner, ctx.topology.owner);
      await expectOrcError(ctx.owner.organization.registerOrganization({ address: '' }), 'OE0006');
      await expectOrcError(
        ctx.worker.organization.registerOrganization({ address: 'https://org2.example.com' }),
        'OE0006',
      );
      expect(await eventsOf(ctx.owner, ctx.topology.owner)).toEqual(before);
      const { organizations } = await ctx.owner.organization.getAllOrganizations({});
      expect(organizations.filter((o) => o.id === ctx.topology.worker)[0]?.address).not.toBe(
        'https://org2.example.com',
      );
    });

    it('validates the address before anything else: INVALID_ARGUMENT (OE0101), not UNKNOWN', async () => {
      for (const address of ['not a url', 'example.com/no-scheme', '://missing']) {
        await expectOrcError(ctx.owner.organization.registerOrganization({ address }), 'OE0101');
      }
    });

    it('GetAllOrganizations is per channel and needs no pagination', async () => {
      const [a, b] = ctx.topology.channels;
      const inA = (await ctx.client(ctx.topology.owner, a).organization.getAllOrganizations({})).organizations;
      const inB = (await ctx.client(ctx.topology.owner, b).organization.getAllOrganizations({})).organizations;
      for (const list of [inA, inB]) {
        expect(list.map((o) => o.id)).toEqual(expect.arrayContaining([ctx.topology.owner, ctx.topology.worker]));
        expect(new Set(list.map((o) => o.id)).size, 'no duplicate organization').toBe(list.length);
      }
      // The same MSP id registered in two channels is two registrations (two creation dates, two events).
      const ownerA = inA.find((o) => o.id === ctx.topology.owner);
      const ownerB = inB.find((o) => o.id === ctx.topology.owner);
      expect(ownerA && ownerB).toBeTruthy();
      const eventsB = await eventsOf(ctx.client(ctx.topology.owner, b), ctx.topology.owner);
      expect(eventsB.every((e) => e.channel === b)).toBe(true);
      expectMessage(OrganizationSchema, payload(eventsB[0]!, 'organization'), ownerB);
    });
  });
}
