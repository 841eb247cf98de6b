// Data samples (substra-behaviour §2.4): batch registration, ownership of data managers, append-only links.
import { clone } from '@bufbuild/protobuf';
import { describe, expect, it } from 'vitest';
import { AssetKind, DataSampleSchema, EventKind } from '../../lib/asset/index.js';
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
import { checksum, key, setupDataset } from './fixtures.js';

export function dataSampleScenarios(ctx: ConformanceContext): void {
  describe('data samples', () => {
    it('RegisterDataSamples: a batch, in input order; response == Get == CREATED payloads', async () => {
      const { dataManager } = await setupDataset(ctx.owner, { samples: 0 });
      const inputs = Array.from({ length: 3 }, () => ({
        key: key(),
        dataManagerKeys: [dataManager.key],
        checksum: checksum(),
        testOnly: true,
      }));
      const { dataSamples } = await ctx.owner.dataSample.registerDataSamples({ samples: inputs });
      expect(dataSamples.map((s) => s.key)).toEqual(inputs.map((s) => s.key));
      for (const [i, sample] of dataSamples.entries()) {
        expect(sample.owner).toBe(ctx.topology.owner);
        expect(sample.dataManagerKeys).toEqual([dataManager.key]);
        expect(sample.checksum).toBe(inputs[i]!.checksum);
        // test_only is ignored and always false (substra-behaviour §2.4).
        expect(sample.testOnly).toBe(false);
        expectMicros(sample.creationDate);
        expect(sample.creationDate).toEqual(dataSamples[0]!.creationDate);
        expectMessage(DataSampleSchema, await ctx.worker.dataSample.getDataSample({ key: sample.key }), sample);
        const event = await createdEvent(ctx.owner, sample.key, 'dataSample');
        expectEventMeta(event, ctx.channel);
        expect(event.assetKind).toBe(AssetKind.ASSET_DATA_SAMPLE);
        expectMessage(DataSampleSchema, payload(event, 'dataSample'), sample);
      }
    });

    it('an empty batch is accepted and writes nothing; a sample may have no data manager', async () => {
      const empty = await ctx.owner.dataSample.registerDataSamples({ samples: [] });
      expect(empty.dataSamples).toEqual([]);
      const lone = key();
      const { dataSamples } = await ctx.owner.dataSample.registerDataSamples({
        samples: [{ key: lone, dataManagerKeys: [], checksum: checksum() }],
      });
      // Substra exposed [""] here (quirk substra-behaviour §9.10); the fix is an empty list (ARCHITECTURE §6).
      expect(dataSamples[0]?.dataManagerKeys).toEqual([]);
      expect((await ctx.owner.dataSample.getDataSample({ key: lone })).dataManagerKeys).toEqual([]);
    });

    it('only the owner of every referenced data manager may register samples (OE0102), atomically', async () => {
      const { dataManager } = await setupDataset(ctx.owner, { samples: 0 });
      const mine = await setupDataset(ctx.worker, { samples: 0 });
      const ok = key();
      const refused = key();
      await expectOrcError(
        ctx.worker.dataSample.registerDataSamples({
          samples: [
            { key: ok, dataManagerKeys: [mine.dataManager.key], checksum: checksum() },
            { key: refused, dataManagerKeys: [dataManager.key], checksum: checksum() },
          ],
        }),
        'OE0102',
      );
      // The whole batch is refused: not even the first sample exists.
      for (const k of [ok, refused]) {
        await expectNothingWritten(ctx.owner, k, () => ctx.owner.dataSample.getDataSample({ key: k }));
      }
      const unknownDm = key();
      await expectOrcError(
        ctx.owner.dataSample.registerDataSamples({
          samples: [{ key: ok, dataManagerKeys: [unknownDm], checksum: checksum() }],
        }),
        'OE0002',
      );
      await expectNothingWritten(ctx.owner, ok);
    });

    it.each([
      ['a malformed key', [{ key: 'sample', dataManagerKeys: [], checksum: checksum() }]],
      ['a malformed data manager key', [{ key: key(), dataManagerKeys: ['dm'], checksum: checksum() }]],
      ['a checksum of 63 chars', [{ key: key(), dataManagerKeys: [], checksum: checksum().slice(1) }]],
      ['a non-hex checksum', [{ key: key(), dataManagerKeys: [], checksum: 'g'.repeat(64) }]],
      ['no checksum', [{ key: key(), dataManagerKeys: [], checksum: '' }]],
    ])('refuses %s with INVALID_ARGUMENT (OE0101)', async (_what, samples) => {
      await expectOrcError(ctx.owner.dataSample.registerDataSamples({ samples }), 'OE0101');
      const k = samples[0]!.key;
      if (k !== 'sample') await expectNothingWritten(ctx.owner, k);
    });

    it('refuses an existing key (OE0006) and a key repeated in the batch, writing nothing', async () => {
      const { samples } = await setupDataset(ctx.owner, { samples: 1 });
      const fresh = key();
      await expectOrcError(
        ctx.owner.dataSample.registerDataSamples({
          samples: [
            { key: fresh, dataManagerKeys: [], checksum: checksum() },
            { key: samples[0]!.key, dataManagerKeys: [], checksum: checksum() },
          ],
        }),
        'OE0006',
      );
      await expectNothingWritten(ctx.owner, fresh);
      const twice = key();
      const err = ctx.owner.dataSample.registerDataSamples({
        samples: [
          { key: twice, dataManagerKeys: [], checksum: checksum() },
          { key: twice, dataManagerKeys: [], checksum: checksum() },
        ],
      });
      // Substra let this reach a raw unique violation (UNKNOWN); any clear refusal with a code is acceptable.
      await expect(err).rejects.toMatchObject({ details: expect.stringMatching(/OE0101|OE0006/) });
      await expectNothingWritten(ctx.owner, twice);
    });

    it('UpdateDataSamples appends data managers (never removes), one UPDATED event per sample', async () => {
      const first = await setupDataset(ctx.owner, { samples: 2 });
      const second = await setupDataset(ctx.owner, { samples: 0 });
      await ctx.owner.dataSample.updateDataSamples({
        keys: first.sampleKeys,
        dataManagerKeys: [second.dataManager.key, first.dataManager.key],
      });
      for (const sample of first.samples) {
        const fetched = await ctx.owner.dataSample.getDataSample({ key: sample.key });
        expect([...fetched.dataManagerKeys].sort()).toEqual([first.dataManager.key, second.dataManager.key].sort());
        const expected = clone(DataSampleSchema, sample);
        expected.dataManagerKeys = fetched.dataManagerKeys;
        expectMessage(DataSampleSchema, fetched, expected);
        const events = await eventsOf(ctx.owner, sample.key);
        expect(events.map((e) => e.eventKind)).toEqual([EventKind.EVENT_ASSET_CREATED, EventKind.EVENT_ASSET_UPDATED]);
        expectMessage(DataSampleSchema, payload(events[1]!, 'dataSample'), fetched);
      }
      const dataset = await ctx.owner.dataset.getDataset({ key: second.dataManager.key });
      expect([...dataset.dataSampleKeys].sort()).toEqual([...first.sampleKeys].sort());
    });

    it('UpdateDataSamples: owner-only (OE0102), unknown sample (OE0002), empty keys (OE0101), atomically', async () => {
      const owned = await setupDataset(ctx.owner, { samples: 1 });
      const theirs = await setupDataset(ctx.worker, { samples: 0 });
      const sampleKey = owned.sampleKeys[0]!;
      // The worker owns the new data manager but not the sample.
      await expectOrcError(
        ctx.worker.dataSample.updateDataSamples({ keys: [sampleKey], dataManagerKeys: [theirs.dataManager.key] }),
        'OE0102',
      );
      // The owner does not own the worker's data manager.
      await expectOrcError(
        ctx.owner.dataSample.updateDataSamples({ keys: [sampleKey], dataManagerKeys: [theirs.dataManager.key] }),
        'OE0102',
      );
      const other = await setupDataset(ctx.owner, { samples: 0 });
      await expectOrcError(
        ctx.owner.dataSample.updateDataSamples({ keys: [sampleKey, key()], dataManagerKeys: [other.dataManager.key] }),
        'OE0002',
      );
      await expectOrcError(ctx.owner.dataSample.updateDataSamples({ keys: [], dataManagerKeys: [] }), 'OE0101');
      expect((await ctx.owner.dataSample.getDataSample({ key: sampleKey })).dataManagerKeys).toEqual([
        owned.dataManager.key,
      ]);
      expect(await eventsOf(ctx.owner, sampleKey)).toHaveLength(1);
    });

    it('QueryDataSamples filters on keys; GetDataSample of an unknown key is NOT_FOUND', async () => {
      const { samples } = await setupDataset(ctx.owner, { samples: 3 });
      const wanted = [samples[0]!.key, samples[2]!.key];
      const res = await ctx.worker.dataSample.queryDataSamples({ filter: { keys: wanted } });
      expect(res.dataSamples.map((s) => s.key).sort()).toEqual([...wanted].sort());
      expect(res.nextPageToken).toBe('');
      expectMessage(
        DataSampleSchema,
        res.dataSamples.find((s) => s.key === wanted[0]),
        samples[0],
      );
      await expectOrcError(ctx.owner.dataSample.getDataSample({ key: key() }), 'OE0002');
      await expectOrcError(ctx.owner.dataSample.getDataSample({ key: 'nope' }), 'OE0101');
    });
  });
}
