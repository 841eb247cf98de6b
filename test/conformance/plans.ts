// Compute plans (substra-behaviour §2.6): registration, rename, cancel, failure, IsPlanRunning.
import { clone } from '@bufbuild/protobuf';
import { describe, expect, it } from 'vitest';
import {
  AssetKind,
  ComputePlanAction,
  ComputePlanSchema,
  ComputeTaskAction,
  ComputeTaskStatus,
  EventKind,
} from '../../lib/asset/index.js';
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
import { completeWithModel, key, registerTask, seedTask, setupFunction, setupPlan, startTask } from './fixtures.js';

export function planScenarios(ctx: ConformanceContext): void {
  describe('compute plans', () => {
    it('RegisterPlan: response == GetPlan == CREATED event payload', async () => {
      const input = { key: key(), name: 'my plan', tag: 'tag-1', metadata: { a: '1', b: '2' } };
      const plan = await ctx.owner.plan.registerPlan(input);
      expect(plan).toMatchObject({ ...input, owner: ctx.topology.owner });
      expect(plan.cancelationDate).toBeUndefined();
      expect(plan.failureDate).toBeUndefined();
      expectMicros(plan.creationDate);
      expectMessage(ComputePlanSchema, await ctx.owner.plan.getPlan({ key: plan.key }), plan);
      expectMessage(ComputePlanSchema, await ctx.worker.plan.getPlan({ key: plan.key }), plan);
      const event = await createdEvent(ctx.owner, plan.key, 'computePlan');
      expectEventMeta(event, ctx.channel);
      expect(event.assetKind).toBe(AssetKind.ASSET_COMPUTE_PLAN);
      expectMessage(ComputePlanSchema, payload(event, 'computePlan'), plan);
    });

    it.each([
      ['a malformed key', { key: 'plan-1', name: 'p' }],
      ['no name', { key: key(), name: '' }],
      ['a tag over 100 bytes', { key: key(), name: 'p', tag: 't'.repeat(101) }],
      ['a metadata key over 100 bytes', { key: key(), name: 'p', metadata: { ['m'.repeat(101)]: '' } }],
    ])('refuses %s with INVALID_ARGUMENT (OE0101) and writes nothing', async (_what, input) => {
      await expectOrcError(ctx.owner.plan.registerPlan(input), 'OE0101');
      if (input.key !== 'plan-1') {
        await expectNothingWritten(ctx.owner, input.key, () => ctx.owner.plan.getPlan({ key: input.key }));
      }
    });

    it('refuses a duplicate key with ALREADY_EXISTS (OE0006)', async () => {
      const plan = await setupPlan(ctx.owner);
      await expectOrcError(ctx.worker.plan.registerPlan({ key: plan.key, name: 'other' }), 'OE0006');
      expectMessage(ComputePlanSchema, await ctx.owner.plan.getPlan({ key: plan.key }), plan);
      expect(await eventsOf(ctx.owner, plan.key)).toHaveLength(1);
    });

    it('UpdatePlan: the owner renames (UPDATED event with the whole plan); others PERMISSION_DENIED', async () => {
      const plan = await setupPlan(ctx.owner);
      await ctx.owner.plan.updatePlan({ key: plan.key, name: 'renamed plan' });
      const expected = clone(ComputePlanSchema, plan);
      expected.name = 'renamed plan';
      expectMessage(ComputePlanSchema, await ctx.owner.plan.getPlan({ key: plan.key }), expected);
      const events = await eventsOf(ctx.owner, plan.key);
      expect(events.map((e) => e.eventKind)).toEqual([EventKind.EVENT_ASSET_CREATED, EventKind.EVENT_ASSET_UPDATED]);
      expectMessage(ComputePlanSchema, payload(events[1]!, 'computePlan'), expected);

      await expectOrcError(ctx.worker.plan.updatePlan({ key: plan.key, name: 'x' }), 'OE0102');
      await expectOrcError(ctx.owner.plan.updatePlan({ key: key(), name: 'x' }), 'OE0002');
      await expectOrcError(ctx.owner.plan.updatePlan({ key: plan.key, name: '' }), 'OE0101');
      expect(await eventsOf(ctx.owner, plan.key)).toHaveLength(2);
    });

    it('ApplyPlanAction(CANCELED): dates the plan, one UPDATED event, tasks untouched; twice → OE0109', async () => {
      const fn = await setupFunction(ctx.owner, 'model-only');
      const plan = await setupPlan(ctx.owner);
      const task = await registerTask(ctx.owner, seedTask({ plan, fn, worker: ctx.topology.worker }));
      await expectOrcError(
        ctx.worker.plan.applyPlanAction({ key: plan.key, action: ComputePlanAction.PLAN_ACTION_CANCELED }),
        'OE0102',
      );
      await expectOrcError(
        ctx.owner.plan.applyPlanAction({ key: plan.key, action: ComputePlanAction.PLAN_ACTION_UNKNOWN }),
        'OE0101',
      );
      await expectOrcError(
        ctx.owner.plan.applyPlanAction({ key: key(), action: ComputePlanAction.PLAN_ACTION_CANCELED }),
        'OE0002',
      );
      expect(await eventsOf(ctx.owner, plan.key)).toHaveLength(1);

      await ctx.owner.plan.applyPlanAction({ key: plan.key, action: ComputePlanAction.PLAN_ACTION_CANCELED });
      const canceled = await ctx.owner.plan.getPlan({ key: plan.key });
      expectMicros(canceled.cancelationDate, 'cancelation_date');
      expect(canceled.failureDate).toBeUndefined();
      const events = await eventsOf(ctx.owner, plan.key);
      expect(events.map((e) => e.eventKind)).toEqual([EventKind.EVENT_ASSET_CREATED, EventKind.EVENT_ASSET_UPDATED]);
      expectMessage(ComputePlanSchema, payload(events[1]!, 'computePlan'), canceled);
      expect(events[1]!.timestamp).toEqual(canceled.cancelationDate);
      // Cancelling a plan does not touch its tasks (the backend cancels them itself).
      expect((await ctx.owner.task.getTask({ key: task.key })).status).toBe(
        ComputeTaskStatus.STATUS_WAITING_FOR_EXECUTOR_SLOT,
      );
      expect((await ctx.owner.plan.isPlanRunning({ key: plan.key })).isRunning).toBe(false);

      await expectOrcError(
        ctx.owner.plan.applyPlanAction({ key: plan.key, action: ComputePlanAction.PLAN_ACTION_CANCELED }),
        'OE0109',
      );
      expect(await eventsOf(ctx.owner, plan.key)).toHaveLength(2);
    });

    it('a failed task terminates its plan without an event; cancelling it then → OE0109', async () => {
      const fn = await setupFunction(ctx.owner, 'model-only');
      const plan = await setupPlan(ctx.owner);
      const task = await registerTask(ctx.owner, seedTask({ plan, fn, worker: ctx.topology.worker }));
      await startTask(ctx.worker, task.key);
      await ctx.worker.task.applyTaskAction({
        computeTaskKey: task.key,
        action: ComputeTaskAction.TASK_ACTION_FAILED,
        log: 'out of memory',
      });
      const failed = await ctx.owner.plan.getPlan({ key: plan.key });
      expectMicros(failed.failureDate, 'failure_date');
      expect(failed.cancelationDate).toBeUndefined();
      expect(await eventsOf(ctx.owner, plan.key)).toHaveLength(1);
      await expectOrcError(
        ctx.owner.plan.applyPlanAction({ key: plan.key, action: ComputePlanAction.PLAN_ACTION_CANCELED }),
        'OE0109',
      );
      // A later failure keeps the first failure date.
      const second = await registerTask(ctx.owner, seedTask({ plan, fn, worker: ctx.topology.worker }));
      await ctx.owner.task.applyTaskAction({
        computeTaskKey: second.key,
        action: ComputeTaskAction.TASK_ACTION_FAILED,
      });
      expect((await ctx.owner.plan.getPlan({ key: plan.key })).failureDate).toEqual(failed.failureDate);
    });

    it('IsPlanRunning: empty → false; active tasks → true; all done → false; a canceled task → false', async () => {
      const fn = await setupFunction(ctx.owner, 'model-only');
      const plan = await setupPlan(ctx.owner);
      const running = async () => (await ctx.worker.plan.isPlanRunning({ key: plan.key })).isRunning;
      expect(await running()).toBe(false);
      const a = await registerTask(ctx.owner, seedTask({ plan, fn, worker: ctx.topology.worker }));
      const b = await registerTask(ctx.owner, seedTask({ plan, fn, worker: ctx.topology.worker }));
      expect(await running()).toBe(true);
      await completeWithModel(ctx.worker, a.key);
      expect(await running()).toBe(true);
      await completeWithModel(ctx.worker, b.key);
      expect(await running()).toBe(false);

      const other = await setupPlan(ctx.owner);
      await registerTask(ctx.owner, seedTask({ plan: other, fn, worker: ctx.topology.worker }));
      const c = await registerTask(ctx.owner, seedTask({ plan: other, fn, worker: ctx.topology.worker }));
      await ctx.owner.task.applyTaskAction({ computeTaskKey: c.key, action: ComputeTaskAction.TASK_ACTION_CANCELED });
      // Deterministic rule (ARCHITECTURE §6): any CANCELED/FAILED task → false, even with active ones.
      expect((await ctx.owner.plan.isPlanRunning({ key: other.key })).isRunning).toBe(false);
    });

    it('IsPlanRunning of an unknown plan is NOT_FOUND (Substra crashed), of a malformed key OE0101', async () => {
      await expectOrcError(ctx.owner.plan.isPlanRunning({ key: key() }), 'OE0002');
      await expectOrcError(ctx.owner.plan.isPlanRunning({ key: 'x' }), 'OE0101');
      await expectOrcError(ctx.owner.plan.getPlan({ key: key() }), 'OE0002');
      // The server is still up.
      expect((await ctx.owner.info.queryVersion({})).orchestrator).not.toBe('');
    });

    it('QueryPlans filters on owner and pages in creation order', async () => {
      const mine = await setupPlan(ctx.owner);
      const theirs = await setupPlan(ctx.worker);
      const collect = async (owner: string) => {
        const plans = [];
        let pageToken = '';
        for (;;) {
          const page = await ctx.owner.plan.queryPlans({ pageSize: 200, pageToken, filter: { owner } });
          plans.push(...page.plans);
          if (page.nextPageToken === '' || page.plans.length === 0) return plans;
          pageToken = page.nextPageToken;
        }
      };
      const ownerPlans = await collect(ctx.topology.owner);
      expect(ownerPlans.every((p) => p.owner === ctx.topology.owner)).toBe(true);
      expect(ownerPlans.map((p) => p.key)).toContain(mine.key);
      expect(ownerPlans.map((p) => p.key)).not.toContain(theirs.key);
      expectMessage(
        ComputePlanSchema,
        ownerPlans.find((p) => p.key === mine.key),
        mine,
      );
      const workerPlans = await collect(ctx.topology.worker);
      expect(workerPlans.map((p) => p.key)).toContain(theirs.key);
    });
  });
}
