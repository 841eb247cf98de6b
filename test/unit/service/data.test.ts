import { create, equals } from '@bufbuild/protobuf';
import { describe, expect, it } from 'vitest';
import {
  DataManagerSchema,
  DataSampleSchema,
  EventKind,
  GetDataManagerParamSchema,
  GetDataSampleParamSchema,
  GetDatasetParamSchema,
  QueryDataSamplesParamSchema,
  RegisterDataSamplesParamSchema,
  UpdateDataManagerParamSchema,
  UpdateDataSamplesParamSchema,
  type DataManager,
  type DataSample,
} from '../../../lib/asset/index.js';
import { newDataManager, newDataSample, ORG1, ORG2, ORG3, publicPerms, restrictedPerms, uuid } from './fixtures.js';
import { AssetKind, Harness } from './harness.js';

async function world(): Promise<Harness> {
  const h = new Harness();
  await h.orgs(ORG1, ORG2, ORG3);
  return h;
}

describe('data managers', () => {
  it('registers with owner, permissions (owner appended) and logs permission built from the input', async () => {
    const h = await world();
    const input = newDataManager({ newPermissions: restrictedPerms(ORG2), logsPermission: restrictedPerms(ORG3) });
    const dm = await h.as(ORG1).dataManager.registerDataManager(input);
    expect(dm.owner).toBe(ORG1);
    expect(dm.permissions?.process).toMatchObject({ public: false, authorizedIds: [ORG2, ORG1] });
    expect(dm.permissions?.download).toEqual(dm.permissions?.process);
    expect(dm.logsPermission).toMatchObject({ public: false, authorizedIds: [ORG3, ORG1] });
    expect(dm.creationDate).toEqual(h.now());
    expect(dm.opener).toEqual(input.opener);
    expect(dm.description).toEqual(input.description);

    const got = await h.as(ORG2).dataManager.getDataManager(create(GetDataManagerParamSchema, { key: dm.key }));
    expect(equals(DataManagerSchema, dm, got)).toBe(true);
    const [event] = h.events().filter((e) => e.assetKey === dm.key);
    expect(event).toMatchObject({ eventKind: EventKind.EVENT_ASSET_CREATED, assetKind: AssetKind.ASSET_DATA_MANAGER });
    expect(equals(DataManagerSchema, event!.asset.value as DataManager, got)).toBe(true);
  });

  it('refuses a known key (OE0006), unregistered authorized ids (OE0003), invalid input (OE0101)', async () => {
    const h = await world();
    const dm = await h.dataManager(ORG1);
    await h.refused('OE0006', () => h.as(ORG2).dataManager.registerDataManager(newDataManager({ key: dm.key })));
    await h.refused('OE0003', () =>
      h.as(ORG1).dataManager.registerDataManager(newDataManager({ logsPermission: restrictedPerms('NobodyMSP') })),
    );
    await h.refused('OE0003', () =>
      h.as(ORG1).dataManager.registerDataManager(newDataManager({ newPermissions: restrictedPerms('NobodyMSP') })),
    );
    await h.refused('OE0101', () => h.as(ORG1).dataManager.registerDataManager(newDataManager({ name: '' })));
  });

  it('update: owner only (OE0102), unknown (OE0002), renames and emits UPDATED', async () => {
    const h = await world();
    const dm = await h.dataManager(ORG1);
    const upd = (org: string, key: string) =>
      h.as(org).dataManager.updateDataManager(create(UpdateDataManagerParamSchema, { key, name: 'renamed' }));
    await h.refused('OE0102', () => upd(ORG2, dm.key), 'requester does not own the data manager');
    await h.refused('OE0002', () => upd(ORG1, uuid()));
    const mark = h.mark();
    await upd(ORG1, dm.key);
    const got = await h.as(ORG1).dataManager.load(dm.key);
    expect(got.name).toBe('renamed');
    const events = h.since(mark);
    expect(events).toHaveLength(1);
    expect(events[0]!.eventKind).toBe(EventKind.EVENT_ASSET_UPDATED);
    expect(equals(DataManagerSchema, events[0]!.asset.value as DataManager, got)).toBe(true);
  });

  it('GetDataManager of an unknown key is OE0002', async () => {
    const h = await world();
    await h.refused('OE0002', () =>
      h.as(ORG1).dataManager.getDataManager(create(GetDataManagerParamSchema, { key: uuid() })),
    );
  });
});

describe('data samples', () => {
  const register = (h: Harness, org: string, samples: ReturnType<typeof newDataSample>[]) =>
    h.as(org).dataSample.registerDataSamples(create(RegisterDataSamplesParamSchema, { samples }));
  const updateLinks = (h: Harness, org: string, keys: string[], dataManagerKeys: string[]) =>
    h.as(org).dataSample.updateDataSamples(create(UpdateDataSamplesParamSchema, { keys, dataManagerKeys }));

  it('registers a batch with one CREATED event per sample in input order; test_only is ignored', async () => {
    const h = await world();
    const dm = await h.dataManager(ORG1);
    const inputs = [newDataSample([dm.key]), newDataSample([dm.key], { testOnly: true }), newDataSample([])];
    const mark = h.mark();
    const { dataSamples } = await register(h, ORG1, inputs);
    expect(dataSamples.map((s) => s.key)).toEqual(inputs.map((s) => s.key));
    for (const s of dataSamples) {
      expect(s.owner).toBe(ORG1);
      expect(s.testOnly).toBe(false);
      expect(s.creationDate).toEqual(h.now());
    }
    expect(dataSamples[2]!.dataManagerKeys).toEqual([]);
    const events = h.since(mark);
    expect(events.map((e) => e.assetKey)).toEqual(inputs.map((s) => s.key));
    for (const [i, e] of events.entries()) {
      expect(e).toMatchObject({ eventKind: EventKind.EVENT_ASSET_CREATED, assetKind: AssetKind.ASSET_DATA_SAMPLE });
      expect(equals(DataSampleSchema, e.asset.value as DataSample, dataSamples[i]!)).toBe(true);
    }
    const got = await h.as(ORG1).dataSample.getDataSample(create(GetDataSampleParamSchema, { key: inputs[0]!.key }));
    expect(equals(DataSampleSchema, got, dataSamples[0]!)).toBe(true);
  });

  it('accepts an empty batch: empty answer, no event', async () => {
    const h = await world();
    const mark = h.mark();
    expect((await register(h, ORG1, [])).dataSamples).toEqual([]);
    expect(h.since(mark)).toEqual([]);
  });

  it('requires the requester to own every data manager (OE0102), which must exist (OE0002)', async () => {
    const h = await world();
    const dm1 = await h.dataManager(ORG1);
    const dm2 = await h.dataManager(ORG2, { newPermissions: publicPerms() });
    await h.refused('OE0102', () => register(h, ORG1, [newDataSample([dm1.key]), newDataSample([dm2.key])]));
    await h.refused('OE0002', () => register(h, ORG1, [newDataSample([dm1.key, uuid()])]));
  });

  it('refuses a known key (OE0006) and a key repeated in the batch, writing nothing', async () => {
    const h = await world();
    const dm = await h.dataManager(ORG1);
    const [existing] = await h.samples(ORG1, [dm.key]);
    await h.refused('OE0006', () =>
      register(h, ORG1, [newDataSample([dm.key]), newDataSample([dm.key], { key: existing!.key })]),
    );
    const dup = newDataSample([dm.key]);
    await h.refused('OE0101', () => register(h, ORG1, [dup, newDataSample([dm.key], { key: dup.key })]));
  });

  it('update adds links only (existing first, no duplicates) and emits UPDATED per sample', async () => {
    const h = await world();
    const dm1 = await h.dataManager(ORG1);
    const dm2 = await h.dataManager(ORG1);
    const dm3 = await h.dataManager(ORG1);
    const samples = await h.samples(ORG1, [dm1.key, dm2.key], 2);
    const keys = samples.map((s) => s.key);
    const mark = h.mark();
    await updateLinks(h, ORG1, keys, [dm3.key, dm1.key]);
    for (const key of keys) {
      const s = await h.as(ORG1).dataSample.getDataSample(create(GetDataSampleParamSchema, { key }));
      expect(s.dataManagerKeys).toEqual([dm1.key, dm2.key, dm3.key]);
    }
    const events = h.since(mark);
    expect(events.map((e) => [e.eventKind, e.assetKey])).toEqual(keys.map((k) => [EventKind.EVENT_ASSET_UPDATED, k]));
    expect((events[0]!.asset.value as DataSample).dataManagerKeys).toEqual([dm1.key, dm2.key, dm3.key]);
  });

  it('update: sample owner only (OE0102), data managers owned (OE0102), unknown sample (OE0002), keys required (OE0101)', async () => {
    const h = await world();
    const dm1 = await h.dataManager(ORG1);
    const dm2 = await h.dataManager(ORG2);
    const [s1] = await h.samples(ORG1, [dm1.key]);
    const [s2] = await h.samples(ORG2, [dm2.key]);
    await h.refused('OE0102', () => updateLinks(h, ORG1, [s2!.key], [dm1.key]));
    await h.refused('OE0102', () => updateLinks(h, ORG1, [s1!.key], [dm2.key]));
    await h.refused('OE0002', () => updateLinks(h, ORG1, [s1!.key, uuid()], [dm1.key]));
    await h.refused('OE0101', () => updateLinks(h, ORG1, [], [dm1.key]));
  });

  it('GetDataSample of an unknown key is OE0002; QueryDataSamples filters by keys', async () => {
    const h = await world();
    await h.refused('OE0002', () =>
      h.as(ORG1).dataSample.getDataSample(create(GetDataSampleParamSchema, { key: uuid() })),
    );
    const dm = await h.dataManager(ORG1);
    const samples = await h.samples(ORG1, [dm.key], 3);
    const res = await h
      .as(ORG1)
      .dataSample.queryDataSamples(
        create(QueryDataSamplesParamSchema, { filter: { keys: [samples[2]!.key, samples[0]!.key] } }),
      );
    expect(res.dataSamples.map((s) => s.key).sort()).toEqual([samples[0]!.key, samples[2]!.key].sort());
  });
});

describe('datasets', () => {
  it('returns the data manager and its sample keys ordered by creation date then key', async () => {
    const h = await world();
    const dm = await h.dataManager(ORG1);
    const other = await h.dataManager(ORG1);
    // Same creation date within a batch: ordered by key, whatever the request order.
    const first = [newDataSample([dm.key]), newDataSample([dm.key]), newDataSample([other.key])].reverse();
    await h.as(ORG1).dataSample.registerDataSamples(create(RegisterDataSamplesParamSchema, { samples: first }));
    h.advance();
    const [later] = await h.samples(ORG1, [dm.key]);
    h.advance();
    // A sample linked afterwards keeps its own (earlier) creation date.
    const [linked] = await h.samples(ORG1, [other.key]);
    await h
      .as(ORG1)
      .dataSample.updateDataSamples(
        create(UpdateDataSamplesParamSchema, { keys: [linked!.key], dataManagerKeys: [dm.key] }),
      );

    const ds = await h.as(ORG2).dataset.getDataset(create(GetDatasetParamSchema, { key: dm.key }));
    expect(equals(DataManagerSchema, ds.dataManager!, dm)).toBe(true);
    const batch = first
      .filter((s) => s.dataManagerKeys.includes(dm.key))
      .map((s) => s.key)
      .sort();
    expect(ds.dataSampleKeys).toEqual([...batch, later!.key, linked!.key]);
  });

  it('an unknown data manager is OE0002', async () => {
    const h = await world();
    await h.refused('OE0002', () => h.as(ORG1).dataset.getDataset(create(GetDatasetParamSchema, { key: uuid() })));
  });
});
