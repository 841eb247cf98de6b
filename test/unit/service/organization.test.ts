import { create } from '@bufbuild/protobuf';
import { describe, expect, it } from 'vitest';
import {
  AssetKind,
  EventKind,
  NewFunctionSchema,
  RegisterDataSamplesParamSchema,
  RegisterOrganizationParamSchema,
} from '../../../lib/asset/index.js';
import { newDataManager, newFunction, newPlan, ORG1, ORG2, ORG3, publicPerms, restrictedPerms } from './fixtures.js';
import { Harness } from './harness.js';

describe('organizations', () => {
  it('registers the requester with the transaction time and emits CREATED/ORGANIZATION', async () => {
    const h = new Harness();
    const org = await h
      .as(ORG1)
      .organization.registerOrganization(
        create(RegisterOrganizationParamSchema, { address: 'https://org1.example.com' }),
      );
    expect(org.id).toBe(ORG1);
    expect(org.address).toBe('https://org1.example.com');
    expect(org.creationDate).toEqual(h.now());
    const [event, ...rest] = h.events();
    expect(rest).toHaveLength(0);
    expect(event).toMatchObject({
      assetKey: ORG1,
      assetKind: AssetKind.ASSET_ORGANIZATION,
      eventKind: EventKind.EVENT_ASSET_CREATED,
    });
    expect(event?.asset).toEqual({ case: 'organization', value: org });
    expect(event?.metadata).toEqual({});
    const { organizations } = await h.as(ORG1).organization.getAllOrganizations();
    expect(organizations).toEqual([org]);
  });

  it('refuses a second registration of the same MSP with OE0006, writing nothing', async () => {
    const h = new Harness();
    await h.orgs(ORG1);
    await h.refused('OE0006', () =>
      h.as(ORG1).organization.registerOrganization(create(RegisterOrganizationParamSchema)),
    );
  });

  it('refuses an address that is not a request URL with OE0101', async () => {
    const h = new Harness();
    await h.refused('OE0101', () =>
      h.as(ORG1).organization.registerOrganization(create(RegisterOrganizationParamSchema, { address: 'not a url' })),
    );
  });

  it('is per channel: the same MSP registers once in each channel', async () => {
    const h = new Harness();
    await h.orgs(ORG1);
    await h.as(ORG1, 'otherchannel').organization.registerOrganization(create(RegisterOrganizationParamSchema));
    expect((await h.as(ORG1, 'otherchannel').organization.getAllOrganizations()).organizations).toHaveLength(1);
    expect(h.events('otherchannel')).toHaveLength(1);
  });

  it('GetAllOrganizations lists every organization of the channel', async () => {
    const h = new Harness();
    await h.orgs(ORG1, ORG2, ORG3);
    const { organizations } = await h.as(ORG2).organization.getAllOrganizations();
    expect(organizations.map((o) => o.id).sort()).toEqual([ORG1, ORG2, ORG3]);
    expect((await h.as(ORG2, 'otherchannel').organization.getAllOrganizations()).organizations).toEqual([]);
  });

  it('getOrganization of an unknown id is OE0002', async () => {
    const h = new Harness();
    await h.refused('OE0002', () => h.as(ORG1).organization.getOrganization(ORG2));
  });

  describe('assets of an unregistered MSP', () => {
    // Substra's owner foreign keys refused these (raw UNKNOWN); we refuse them in the service, for every backend.
    it('refuses functions, data managers, data samples and plans of an unregistered requester, writing nothing', async () => {
      const h = new Harness();
      await h.orgs(ORG2);
      const notRegistered = /organization "MyOrg1MSP" is not registered/;
      await h.refused('OE0003', () => h.as(ORG1).function.registerFunction(newFunction()), notRegistered);
      await h.refused('OE0003', () => h.as(ORG1).computePlan.registerPlan(newPlan()), notRegistered);
      await h.refused('OE0003', () => h.as(ORG1).dataManager.registerDataManager(newDataManager()), notRegistered);
      await h.refused(
        'OE0003',
        () => h.as(ORG1).dataSample.registerDataSamples(create(RegisterDataSamplesParamSchema, { samples: [] })),
        notRegistered,
      );
    });

    it('refuses authorized ids that are not registered organizations with OE0003 "invalid permission input values"', async () => {
      const h = new Harness();
      await h.orgs(ORG1, ORG2);
      await h.refused(
        'OE0003',
        () => h.as(ORG1).function.registerFunction(newFunction({ newPermissions: restrictedPerms(ORG1, ORG3) })),
        'invalid permission input values',
      );
      await h.refused(
        'OE0003',
        () => h.as(ORG2).function.registerFunction(newFunction({ newPermissions: restrictedPerms(ORG2, ORG3) })),
        'invalid permission input values',
      );
    });

    it('does not check the ids of public permissions', async () => {
      const h = new Harness();
      await h.orgs(ORG1);
      const fn = await h
        .as(ORG1)
        .function.registerFunction(create(NewFunctionSchema, { ...newFunction(), newPermissions: publicPerms(ORG3) }));
      expect(fn.permissions?.process).toMatchObject({ public: true, authorizedIds: [ORG3, ORG1] });
    });
  });
});
