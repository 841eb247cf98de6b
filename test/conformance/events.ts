// QueryEvents (substra-behaviour §4.3), profiling steps (§2.13, events only) and QueryVersion (§2.14).
import { describe, expect, it } from 'vitest';
import { AssetKind, EventKind, ProfilingStepSchema, SortOrder } from '../../lib/asset/index.js';
import { create } from '@bufbuild/protobuf';
import { eventsOf, expectEventMeta, expectMessage, expectOrcError, payload, queryAllEvents } from './assertions.js';
import type { ConformanceContext } from './context.js';
import { completeWithModel, key, registerTask, seedTask, setupFunction, setupPlan } from './fixtures.js';

export function eventScenarios(ctx: ConformanceContext): void {
  describe('events and info', () => {
    it('RegisterProfilingStep emits a PROFILING_STEP event (nothing else is stored); validation OE0101', async () => {
      const assetKey = key();
      const step = { assetKey, step: 'build_image', duration: 1_500_000 };
      const res = await ctx.worker.profiling.registerProfilingStep(step);
      expect(res.$typeName).toBe('google.protobuf.Empty');
      const events = await eventsOf(ctx.owner, assetKey);
      expect(events).toHaveLength(1);
      expect(events[0]).toMatchObject({
        eventKind: EventKind.EVENT_ASSET_CREATED,
        assetKind: AssetKind.ASSET_PROFILING_STEP,
      });
      expectEventMeta(events[0]!, ctx.channel);
      expectMessage(ProfilingStepSchema, payload(events[0]!, 'profilingStep'), create(ProfilingStepSchema, step));

      for (const bad of [
        { assetKey: 'x', step: 's', duration: 1 },
        { assetKey: key(), step: '', duration: 1 },
        { assetKey: key(), step: 's'.repeat(101), duration: 1 },
        { assetKey: key(), step: 's', duration: 0 },
      ]) {
        await expectOrcError(ctx.worker.profiling.registerProfilingStep(bad), 'OE0101');
        if (bad.assetKey !== 'x') expect(await eventsOf(ctx.owner, bad.assetKey)).toEqual([]);
      }
    });

    it('QueryVersion answers a version string', async () => {
      const { orchestrator } = await ctx.worker.info.queryVersion({});
      expect(orchestrator).toMatch(/\S/);
    });

    it('QueryEvents filters on asset kind, event kind, metadata and an inclusive time range; sorts both ways', async () => {
      const fn = await setupFunction(ctx.owner, 'model-only');
      const plan = await setupPlan(ctx.owner);
      const task = await registerTask(ctx.owner, seedTask({ plan, fn, worker: ctx.topology.worker }));
      await completeWithModel(ctx.worker, task.key);
      const all = await eventsOf(ctx.owner, task.key);
      // CREATED, EXECUTING, output asset, DONE.
      expect(all).toHaveLength(4);
      for (const e of all) expectEventMeta(e, ctx.channel);

      const updated = await queryAllEvents(ctx.owner, { assetKey: task.key, eventKind: EventKind.EVENT_ASSET_UPDATED });
      expect(updated).toHaveLength(2);
      const outputs = await queryAllEvents(ctx.owner, {
        assetKey: task.key,
        assetKind: AssetKind.ASSET_COMPUTE_TASK_OUTPUT_ASSET,
      });
      expect(outputs).toHaveLength(1);
      const byReason = await queryAllEvents(ctx.owner, { assetKey: task.key, metadata: { reason: 'done' } });
      expect(byReason).toHaveLength(1);
      expect(await queryAllEvents(ctx.owner, { assetKey: task.key, metadata: { reason: 'nope' } })).toEqual([]);

      // Inclusive bounds: [first, first] is exactly the registration request's events.
      const first = all[0]!.timestamp;
      const atFirst = await queryAllEvents(ctx.owner, { assetKey: task.key, start: first, end: first });
      expect(atFirst.map((e) => e.id)).toEqual([all[0]!.id]);
      const fromSecond = await queryAllEvents(ctx.owner, { assetKey: task.key, start: all[1]!.timestamp });
      expect(fromSecond.map((e) => e.id)).toEqual(all.slice(1).map((e) => e.id));

      const desc = await queryAllEvents(ctx.owner, { assetKey: task.key }, SortOrder.DESCENDING);
      expect(desc.map((e) => e.id)).toEqual([...all].reverse().map((e) => e.id));
      // QueryEvents follows commit order, so one asset's events come in the order of the requests that made them.
      expect(all.map((e) => e.eventKind)).toEqual([
        EventKind.EVENT_ASSET_CREATED,
        EventKind.EVENT_ASSET_UPDATED,
        EventKind.EVENT_ASSET_CREATED,
        EventKind.EVENT_ASSET_UPDATED,
      ]);
    });

    it('QueryEvents refuses undefined enum values in filters (OE0101)', async () => {
      // Open proto3 enums carry any number on the wire.
      await expectOrcError(ctx.owner.event.queryEvents({ filter: { assetKind: 99 as AssetKind } }), 'OE0101');
      await expectOrcError(ctx.owner.event.queryEvents({ filter: { eventKind: 42 as EventKind } }), 'OE0101');
      await expectOrcError(ctx.owner.event.queryEvents({ sort: 7 as SortOrder }), 'OE0101');
    });

    it('QueryEvents refuses time bounds outside the Timestamp range (OE0101) instead of clamping them', async () => {
      const far = { seconds: 999_999_999_999_999n, nanos: 0 };
      await expectOrcError(ctx.owner.event.queryEvents({ filter: { start: far } }), 'OE0101');
      await expectOrcError(
        ctx.owner.event.queryEvents({ filter: { end: { seconds: -99_999_999_999n, nanos: 0 } } }),
        'OE0101',
      );
      await expectOrcError(ctx.owner.event.queryEvents({ filter: { end: { seconds: 1n, nanos: -1 } } }), 'OE0101');
      // The edges of the range are times.
      const last = { seconds: 253_402_300_799n, nanos: 999_999_999 };
      expect((await ctx.owner.event.queryEvents({ filter: { start: last } })).events).toEqual([]);
    });
  });
}
