// Data managers and datasets (substra-behaviour §2.3, §2.5).
import { clone } from '@bufbuild/protobuf';
import { describe, expect, it } from 'vitest';
import { AssetKind, DataManagerSchema, DatasetSchema, EventKind } from '../../lib/asset/index.js';
import {
  createdEvent,
  eventsOf,
  expectEventMeta,
  expectMessage,
  expectMicros,
  expectNothingWritten,
  expectOrcError,
  payload,
} from './assertions.js';
import type { ConformanceContext } from './context.js';
import { checksum, key, newDataManager, restrictedTo, setupDataset } from './fixtures.js';

export function dataManagerScenarios(ctx: ConformanceContext): void {
  describe('data managers', () => {
    it('RegisterDataManager: response == GetDataManager == CREATED event payload', async () => {
      const input = newDataManager({ type: 'ignored type', logsPermission: restrictedTo(ctx.topology.worker) });
      const dm = await ctx.owner.dataManager.registerDataManager(input);
      expect(dm.key).toBe(input.key);
      expect(dm.owner).toBe(ctx.topology.owner);
      // `type` is ignored on input and always empty (substra-behaviour §1.4 field usage notes).
      expect(dm.type).toBe('');
      expect(dm.permissions?.process).toMatchObject({ public: true, authorizedIds: [ctx.topology.owner] });
      expect(dm.logsPermission).toMatchObject({
        public: false,
        authorizedIds: [ctx.topology.worker, ctx.topology.owner],
      });
      expect(dm.description).toMatchObject(input.description!);
      expect(dm.opener).toMatchObject(input.opener!);
      expect(dm.metadata).toEqual(input.metadata);
      expectMicros(dm.creationDate);

      expectMessage(DataManagerSchema, await ctx.owner.dataManager.getDataManager({ key: dm.key }), dm);
      expectMessage(DataManagerSchema, await ctx.worker.dataManager.getDataManager({ key: dm.key }), dm);
      const event = await createdEvent(ctx.owner, dm.key, 'dataManager');
      expectEventMeta(event, ctx.channel);
      expect(event.assetKind).toBe(AssetKind.ASSET_DATA_MANAGER);
      expectMessage(DataManagerSchema, payload(event, 'dataManager'), dm);
    });

    it.each([
      ['a malformed key', { key: 'dm-1' }],
      ['no name', { name: '' }],
      ['no permissions', { newPermissions: undefined }],
      ['no description', { description: undefined }],
      ['no opener', { opener: undefined }],
      [
        'an opener with a bad checksum',
        { opener: { checksum: 'z'.repeat(64), storageAddress: 'http://a.example.com/o' } },
      ],
      ['an opener with a bad address', { opener: { checksum: checksum(), storageAddress: 'not a url' } }],
      ['no logs permission', { logsPermission: undefined }],
      ['a metadata value over 100 bytes', { metadata: { k: 'x'.repeat(101) } }],
    ])('refuses %s with INVALID_ARGUMENT (OE0101) and writes nothing', async (_what, overrides) => {
      const input = newDataManager({ key: key(), ...overrides });
      await expectOrcError(ctx.owner.dataManager.registerDataManager(input), 'OE0101');
      if (input.key !== 'dm-1') {
        await expectNothingWritten(ctx.owner, input.key!, () =>
          ctx.owner.dataManager.getDataManager({ key: input.key! }),
        );
      }
    });

    it('refuses a duplicate key (OE0006) and permissions naming an unknown organization (OE0003)', async () => {
      const dm = await ctx.owner.dataManager.registerDataManager(newDataManager());
      await expectOrcError(ctx.owner.dataManager.registerDataManager(newDataManager({ key: dm.key })), 'OE0006');
      const bad = newDataManager({ logsPermission: restrictedTo('NoSuchOrgMSP') });
      await expectOrcError(ctx.owner.dataManager.registerDataManager(bad), 'OE0003');
      await expectNothingWritten(ctx.owner, bad.key!, () => ctx.owner.dataManager.getDataManager({ key: bad.key! }));
      expect(await eventsOf(ctx.owner, dm.key)).toHaveLength(1);
    });

    it('UpdateDataManager: owner renames (UPDATED event); others PERMISSION_DENIED; unknown NOT_FOUND', async () => {
      const dm = await ctx.owner.dataManager.registerDataManager(newDataManager());
      await ctx.owner.dataManager.updateDataManager({ key: dm.key, name: 'renamed' });
      const expected = clone(DataManagerSchema, dm);
      expected.name = 'renamed';
      const fetched = await ctx.owner.dataManager.getDataManager({ key: dm.key });
      expectMessage(DataManagerSchema, fetched, expected);
      const events = await eventsOf(ctx.owner, dm.key);
      expect(events.map((e) => e.eventKind)).toEqual([EventKind.EVENT_ASSET_CREATED, EventKind.EVENT_ASSET_UPDATED]);
      expectMessage(DataManagerSchema, payload(events[1]!, 'dataManager'), expected);

      await expectOrcError(ctx.worker.dataManager.updateDataManager({ key: dm.key, name: 'x' }), 'OE0102');
      await expectOrcError(ctx.owner.dataManager.updateDataManager({ key: key(), name: 'x' }), 'OE0002');
      await expectOrcError(ctx.owner.dataManager.updateDataManager({ key: dm.key, name: '' }), 'OE0101');
      expect(await eventsOf(ctx.owner, dm.key)).toHaveLength(2);
    });

    it('QueryDataManagers lists new data managers in creation order', async () => {
      const a = await ctx.owner.dataManager.registerDataManager(newDataManager());
      const b = await ctx.worker.dataManager.registerDataManager(newDataManager());
      const keys: string[] = [];
      let pageToken = '';
      for (;;) {
        const page = await ctx.owner.dataManager.queryDataManagers({ pageSize: 100, pageToken });
        keys.push(...page.dataManagers.map((d) => d.key));
        if (page.nextPageToken === '' || page.dataManagers.length === 0) break;
        pageToken = page.nextPageToken;
      }
      expect(new Set(keys).size).toBe(keys.length);
      expect(keys.indexOf(a.key)).toBeGreaterThanOrEqual(0);
      expect(keys.indexOf(b.key)).toBeGreaterThan(keys.indexOf(a.key));
    });

    it('GetDataset: the data manager and its samples (in registration order); unknown key NOT_FOUND', async () => {
      const { dataManager, sampleKeys } = await setupDataset(ctx.owner, { samples: 3 });
      const more = await ctx.owner.dataSample.registerDataSamples({
        samples: [{ key: key(), dataManagerKeys: [dataManager.key], checksum: checksum() }],
      });
      const dataset = await ctx.worker.dataset.getDataset({ key: dataManager.key });
      expectMessage(DataManagerSchema, dataset.dataManager, dataManager);
      // Samples of one batch share a creation date: their order within it is by key.
      expect(dataset.dataSampleKeys).toEqual([...[...sampleKeys].sort(), more.dataSamples[0]!.key]);
      const empty = await setupDataset(ctx.owner, { samples: 0 });
      const emptySet = await ctx.owner.dataset.getDataset({ key: empty.dataManager.key });
      expect(emptySet.dataSampleKeys).toEqual([]);
      expect(emptySet.$typeName).toBe(DatasetSchema.typeName);
      await expectOrcError(ctx.owner.dataset.getDataset({ key: key() }), 'OE0002');
    });
  });
}
