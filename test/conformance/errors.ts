// Errors every client sees (substra-behaviour §2.15, ARCHITECTURE §5–§6): the OE code is always in the message, the status is
// meaningful (never UNKNOWN for bad input), headers and channel membership are checked first.
import { status } from '@grpc/grpc-js';
import { describe, expect, it } from 'vitest';
import { ComputeTaskAction } from '../../lib/asset/index.js';
import { RpcError } from '../support/client.js';
import { expectOrcError, expectStatus, queryAllEvents } from './assertions.js';
import type { ConformanceContext } from './context.js';
import { key, registerTask, seedTask, setupFunction, setupPlan } from './fixtures.js';

export function errorScenarios(ctx: ConformanceContext): void {
  describe('errors', () => {
    it('a missing or repeated mspid header is FAILED_PRECONDITION (OE0003), for reads and writes', async () => {
      const anonymous = ctx.rawClient({ mspid: undefined, channel: ctx.channel });
      await expectOrcError(anonymous.plan.getPlan({ key: key() }), 'OE0003');
      await expectOrcError(anonymous.plan.registerPlan({ key: key(), name: 'p' }), 'OE0003');
      await expectOrcError(anonymous.info.queryVersion({}), 'OE0003');
      // Sent twice, as a client may by mistake: the server sees one comma-joined value and must not take it for an
      // MSP id.
      await expectOrcError(
        ctx.owner.info.queryVersion({}, { metadata: { mspid: [ctx.topology.owner, ctx.topology.worker] } }),
        'OE0003',
      );
      await expectOrcError(
        ctx.owner.plan.registerPlan(
          { key: key(), name: 'p' },
          { metadata: { mspid: [ctx.topology.owner, ctx.topology.owner] } },
        ),
        'OE0003',
      );
    });

    it('a missing or repeated channel header is FAILED_PRECONDITION (OE0003)', async () => {
      const nowhere = ctx.rawClient({ mspid: ctx.topology.owner, channel: undefined });
      const planKey = key();
      await expectOrcError(nowhere.plan.registerPlan({ key: planKey, name: 'p' }), 'OE0003');
      await expectOrcError(nowhere.organization.getAllOrganizations({}), 'OE0003');
      await expectOrcError(
        ctx.owner.info.queryVersion({}, { metadata: { channel: [ctx.channel, ctx.otherChannel] } }),
        'OE0003',
      );
      await expectOrcError(
        ctx.owner.plan.registerPlan({ key: planKey, name: 'p' }, { metadata: { channel: [ctx.channel, ctx.channel] } }),
        'OE0003',
      );
      await expectOrcError(ctx.owner.plan.getPlan({ key: planKey }), 'OE0002');
    });

    it('a NUL character in any string is INVALID_ARGUMENT (OE0101) and writes nothing, on reads and writes', async () => {
      const planKey = key();
      await expectOrcError(ctx.owner.plan.registerPlan({ key: planKey, name: 'a\u0000b' }), 'OE0101');
      await expectOrcError(ctx.owner.plan.getPlan({ key: planKey }), 'OE0002');
      await expectOrcError(
        ctx.owner.plan.registerPlan({ key: planKey, name: 'p', metadata: { ['k\u0000']: 'v' } }),
        'OE0101',
      );
      await expectOrcError(ctx.owner.plan.getPlan({ key: planKey }), 'OE0002');
      await expectOrcError(ctx.owner.event.queryEvents({ filter: { metadata: { reason: 'x\u0000' } } }), 'OE0101');
      const fn = await setupFunction(ctx.owner, 'model-only');
      const plan = await setupPlan(ctx.owner);
      const task = await registerTask(ctx.owner, seedTask({ plan, fn, worker: ctx.topology.worker }));
      const before = await queryAllEvents(ctx.owner, { assetKey: task.key });
      await expectOrcError(
        ctx.owner.task.applyTaskAction({
          computeTaskKey: task.key,
          action: ComputeTaskAction.TASK_ACTION_FAILED,
          log: 'stack\u0000trace',
        }),
        'OE0101',
      );
      expect((await ctx.owner.task.getTask({ key: task.key })).status).toBe(task.status);
      expect(await queryAllEvents(ctx.owner, { assetKey: task.key })).toHaveLength(before.length);
    });

    it('an organization or channel the configuration does not allow is PERMISSION_DENIED (OE0102)', async () => {
      const planKey = key();
      await expectOrcError(
        ctx.client('UnknownMSP', ctx.channel).plan.registerPlan({ key: planKey, name: 'p' }),
        'OE0102',
      );
      await expectOrcError(
        ctx.client(ctx.topology.owner, 'nochannel').plan.registerPlan({ key: planKey, name: 'p' }),
        'OE0102',
      );
      await expectOrcError(ctx.client('UnknownMSP', ctx.channel).info.queryVersion({}), 'OE0102');
      await expectOrcError(ctx.owner.plan.getPlan({ key: planKey }), 'OE0002');
    });

    it('an organization allowed on one channel only is refused on the other (OE0102)', async ({ skip }) => {
      const restricted = ctx.topology.restricted;
      // The topology is only known once the target started (a Fabric network may have no such identity).
      if (!restricted) return skip('the target has no organization restricted to one channel');
      await expectOrcError(ctx.client(restricted, ctx.channel).organization.getAllOrganizations({}), 'OE0102');
      await expectOrcError(
        ctx.client(restricted, ctx.channel).organization.registerOrganization({ address: '' }),
        'OE0102',
      );
    });

    it('headers are checked on the event stream too: FAILED_PRECONDITION / PERMISSION_DENIED', async () => {
      const missing = ctx.rawClient({ mspid: undefined, channel: ctx.channel }).event.subscribeToEvents({});
      const err1 = await missing.failed();
      expect(err1, 'stream without mspid must fail').toBeInstanceOf(RpcError);
      expect([status[err1!.code], /OE0003/.test(err1!.details)]).toEqual(['FAILED_PRECONDITION', true]);
      const denied = ctx.client('UnknownMSP', ctx.channel).event.subscribeToEvents({});
      const err2 = await denied.failed();
      expect(err2, 'stream of an unknown organization must fail').toBeInstanceOf(RpcError);
      expect([status[err2!.code], /OE0102/.test(err2!.details)]).toEqual(['PERMISSION_DENIED', true]);
      const unknownStart = ctx.owner.event.subscribeToEvents({ startEventId: key() });
      const err3 = await unknownStart.failed();
      expect(err3, 'stream from an unknown event id must fail').toBeInstanceOf(RpcError);
      expect([status[err3!.code], /OE0002/.test(err3!.details)]).toEqual(['NOT_FOUND', true]);
    });

    it('every Get of an unknown key is NOT_FOUND (OE0002)', async () => {
      const c = ctx.owner;
      const k = key();
      const calls: [string, () => Promise<unknown>][] = [
        ['GetFunction', () => c.function.getFunction({ key: k })],
        ['GetDataManager', () => c.dataManager.getDataManager({ key: k })],
        ['GetDataSample', () => c.dataSample.getDataSample({ key: k })],
        ['GetDataset', () => c.dataset.getDataset({ key: k })],
        ['GetPlan', () => c.plan.getPlan({ key: k })],
        ['IsPlanRunning', () => c.plan.isPlanRunning({ key: k })],
        ['GetTask', () => c.task.getTask({ key: k })],
        ['GetTaskInputAssets', () => c.task.getTaskInputAssets({ computeTaskKey: k })],
        ['GetModel', () => c.model.getModel({ key: k })],
        ['GetFailureReport', () => c.failureReport.getFailureReport({ assetKey: k })],
      ];
      for (const [, call] of calls) await expectOrcError(call(), 'OE0002');
      // Lists of an unknown parent are simply empty.
      expect((await c.model.getComputeTaskOutputModels({ computeTaskKey: k })).models).toEqual([]);
      expect((await c.task.queryTasks({ filter: { computePlanKey: k } })).tasks).toEqual([]);
    });

    it('a malformed key is INVALID_ARGUMENT (OE0101), not a raw database error', async () => {
      const c = ctx.owner;
      for (const bad of ['not-a-uuid', key().toUpperCase(), `${key()}x`, "'; drop table events; --"]) {
        await expectOrcError(c.function.getFunction({ key: bad }), 'OE0101');
        await expectOrcError(c.dataManager.getDataManager({ key: bad }), 'OE0101');
        await expectOrcError(c.dataset.getDataset({ key: bad }), 'OE0101');
        await expectOrcError(c.plan.getPlan({ key: bad }), 'OE0101');
        await expectOrcError(c.task.getTask({ key: bad }), 'OE0101');
        await expectOrcError(c.model.getModel({ key: bad }), 'OE0101');
        await expectOrcError(c.model.getComputeTaskOutputModels({ computeTaskKey: bad }), 'OE0101');
        await expectOrcError(c.failureReport.getFailureReport({ assetKey: bad }), 'OE0101');
      }
    });

    it('a page token that is not one the server gave is INVALID_ARGUMENT (OE0101)', async () => {
      await expectOrcError(ctx.owner.plan.queryPlans({ pageToken: 'not-a-token' }), 'OE0101');
      await expectOrcError(ctx.owner.task.queryTasks({ pageToken: '-5' }), 'OE0101');
      await expectOrcError(ctx.owner.event.queryEvents({ pageToken: 'abc' }), 'OE0101');
    });

    it('no input makes the server answer UNKNOWN or INTERNAL (bad input is the client’s error)', async () => {
      const c = ctx.owner;
      const odd: (() => Promise<unknown>)[] = [
        () => c.plan.registerPlan({ key: key(), name: '\u0000' }),
        () => c.plan.registerPlan({ key: key(), name: 'p', metadata: { '\u0000': 'x' } }),
        () => c.dataSample.registerDataSamples({ samples: [{ key: key(), checksum: '\u0000'.repeat(64) }] }),
        () => c.function.updateFunction({ key: key(), name: 'n', image: { checksum: 'zz', storageAddress: '\u0000' } }),
        () => c.event.queryEvents({ filter: { assetKey: '\u0000' } }),
        () => c.profiling.registerProfilingStep({ assetKey: key(), step: 'é'.repeat(50), duration: 2 ** 32 - 1 }),
      ];
      for (const call of odd) {
        try {
          await call();
        } catch (err) {
          if (!(err instanceof RpcError)) throw err;
          expect([status.UNKNOWN, status.INTERNAL], `${err.path}: ${err.details}`).not.toContain(err.code);
          expect(err.details).toMatch(/OE\d{4}/);
        }
      }
      // Whatever happened, the server still serves.
      await expectStatus(c.plan.getPlan({ key: 'x' }), status.INVALID_ARGUMENT);
    });
  });
}
