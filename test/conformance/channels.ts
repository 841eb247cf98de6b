// Channels (substra-behaviour §2.17): every asset, event and organization belongs to one channel; the same key may exist in
// two channels as two unrelated assets (Substra failed that with a raw unique violation, quirk substra-behaviour §9.12).
import { describe, expect, it } from 'vitest';
import { ComputePlanAction, ComputePlanSchema, EventKind } from '../../lib/asset/index.js';
import { RpcError } from '../support/client.js';
import { eventsOf, expectMessage, expectOrcError, queryAllEvents } from './assertions.js';
import type { ConformanceContext } from './context.js';
import {
  completeWithModel,
  key,
  newDataManager,
  newFunction,
  registerTask,
  seedTask,
  setupFunction,
  setupPlan,
} from './fixtures.js';

export function channelScenarios(ctx: ConformanceContext): void {
  describe('channels', () => {
    it('the same key can be registered in both channels, as two independent assets', async () => {
      const a = ctx.owner;
      const b = ctx.client(ctx.topology.owner, ctx.otherChannel);
      const planKey = key();
      const planA = await a.plan.registerPlan({ key: planKey, name: 'in A' });
      const planB = await b.plan.registerPlan({ key: planKey, name: 'in B' });
      expect(planA.name).toBe('in A');
      expectMessage(ComputePlanSchema, await a.plan.getPlan({ key: planKey }), planA);
      expectMessage(ComputePlanSchema, await b.plan.getPlan({ key: planKey }), planB);
      await b.plan.updatePlan({ key: planKey, name: 'renamed in B' });
      expect((await a.plan.getPlan({ key: planKey })).name).toBe('in A');
      // Each channel has its own events about the key.
      expect((await eventsOf(a, planKey)).map((e) => e.eventKind)).toEqual([EventKind.EVENT_ASSET_CREATED]);
      const inB = await eventsOf(b, planKey);
      expect(inB.map((e) => e.eventKind)).toEqual([EventKind.EVENT_ASSET_CREATED, EventKind.EVENT_ASSET_UPDATED]);
      expect(inB.every((e) => e.channel === ctx.otherChannel)).toBe(true);

      const fnKey = key();
      await a.function.registerFunction(newFunction('model-only', { key: fnKey, name: 'A' }));
      await b.function.registerFunction(newFunction('model-only', { key: fnKey, name: 'B' }));
      expect((await b.function.getFunction({ key: fnKey })).name).toBe('B');
      const dmKey = key();
      await a.dataManager.registerDataManager(newDataManager({ key: dmKey, name: 'A' }));
      await b.dataManager.registerDataManager(newDataManager({ key: dmKey, name: 'B' }));
      expect((await a.dataManager.getDataManager({ key: dmKey })).name).toBe('A');
      await expectOrcError(b.plan.registerPlan({ key: planKey, name: 'again' }), 'OE0006');
    });

    it('an asset of one channel is invisible in the other: Get, Query and events', async () => {
      const a = ctx.owner;
      const b = ctx.client(ctx.topology.owner, ctx.otherChannel);
      const fn = await setupFunction(a, 'model-only');
      const plan = await setupPlan(a);
      const task = await registerTask(a, seedTask({ plan, fn, worker: ctx.topology.worker }));
      await completeWithModel(ctx.worker, task.key);
      const [model] = (await a.model.getComputeTaskOutputModels({ computeTaskKey: task.key })).models;

      await expectOrcError(b.plan.getPlan({ key: plan.key }), 'OE0002');
      await expectOrcError(b.function.getFunction({ key: fn.key }), 'OE0002');
      await expectOrcError(b.task.getTask({ key: task.key }), 'OE0002');
      await expectOrcError(b.model.getModel({ key: model!.key }), 'OE0002');
      await expectOrcError(b.plan.isPlanRunning({ key: plan.key }), 'OE0002');
      expect((await b.task.queryTasks({ filter: { computePlanKey: plan.key } })).tasks).toEqual([]);
      expect((await b.function.queryFunctions({ filter: { computePlanKey: plan.key } })).Functions).toEqual([]);
      expect((await b.model.getComputeTaskOutputModels({ computeTaskKey: task.key })).models).toEqual([]);
      expect(await eventsOf(b, task.key)).toEqual([]);
      expect(await eventsOf(b, plan.key)).toEqual([]);

      // An asset of channel A cannot be referenced from channel B.
      const planB = await setupPlan(b);
      await expectOrcError(
        b.task.registerTasks({ tasks: [seedTask({ plan: planB, fn, worker: ctx.topology.worker })] }),
        'OE0002',
      );
      await expectOrcError(
        b.plan.applyPlanAction({ key: plan.key, action: ComputePlanAction.PLAN_ACTION_CANCELED }),
        'OE0002',
      );
      // Nothing of channel B appears in channel A's events either.
      const sinceB = await queryAllEvents(a, { assetKey: planB.key });
      expect(sinceB).toEqual([]);
    });

    it('organizations are registered per channel', async ({ skip }) => {
      const restricted = ctx.topology.restricted;
      if (!restricted) return skip('the target has no organization restricted to one channel');
      const b = ctx.client(restricted, ctx.otherChannel);
      try {
        const org = await b.organization.registerOrganization({ address: 'https://org3.example.com/api' });
        expect(org.id).toBe(restricted);
        expect(org.address).toBe('https://org3.example.com/api');
      } catch (err) {
        // Already registered by an earlier run against a long-lived target.
        if (!(err instanceof RpcError && err.details.includes('OE0006'))) throw err;
      }
      const inB = (await b.organization.getAllOrganizations({})).organizations.map((o) => o.id);
      const inA = (await ctx.owner.organization.getAllOrganizations({})).organizations.map((o) => o.id);
      expect(inB).toContain(restricted);
      expect(inA).not.toContain(restricted);
      // It can work in its channel: a plan of its own, processed by nobody else.
      const plan = await setupPlan(b);
      expect(plan.owner).toBe(restricted);
      expect((await ctx.owner.organization.getAllOrganizations({})).organizations.map((o) => o.id)).not.toContain(
        restricted,
      );
      // Permissions naming it are valid in B only.
      const onlyB = newFunction('model-only', { newPermissions: { public: false, authorizedIds: [restricted] } });
      await ctx.client(ctx.topology.owner, ctx.otherChannel).function.registerFunction(onlyB);
      await expectOrcError(ctx.owner.function.registerFunction({ ...onlyB, key: key() }), 'OE0003');
    });
  });
}
