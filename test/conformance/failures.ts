// Failure reports (substra-behaviour §2.12): they fail the task or function they are about, once per asset.
import { beforeAll, describe, expect, it } from 'vitest';
import {
  AssetKind,
  ComputeTaskStatus,
  ErrorType,
  EventKind,
  FailedAssetKind,
  FailureReportSchema,
  FunctionAction,
  FunctionStatus,
} from '../../lib/asset/index.js';
import {
  eventsOf,
  expectEventMeta,
  expectMessage,
  expectMicros,
  expectNothingWritten,
  expectOrcError,
  payload,
} from './assertions.js';
import type { ConformanceContext } from './context.js';
import {
  addressable,
  key,
  newFunction,
  registerTask,
  seedTask,
  setupBench,
  startTask,
  withNewPlan,
  type Bench,
} from './fixtures.js';

const TASK = FailedAssetKind.FAILED_ASSET_COMPUTE_TASK;
const FUNCTION = FailedAssetKind.FAILED_ASSET_FUNCTION;

export function failureReportScenarios(ctx: ConformanceContext): void {
  describe('failure reports', () => {
    let bench: Bench;
    beforeAll(async () => {
      bench = await setupBench(ctx.owner, ctx.worker);
    });

    async function runningTask() {
      const b = await withNewPlan(bench);
      const task = await registerTask(
        ctx.owner,
        seedTask({ plan: b.plan, fn: b.modelOnly, worker: ctx.topology.worker }),
      );
      await startTask(ctx.worker, task.key);
      return { task, plan: b.plan };
    }

    it('a task failure report: task FAILED (reason), plan failure date, report == Get == CREATED payload', async () => {
      const { task, plan } = await runningTask();
      const logs = addressable();
      const report = await ctx.worker.failureReport.registerFailureReport({
        assetKey: task.key,
        assetType: TASK,
        errorType: ErrorType.EXECUTION,
        logsAddress: logs,
      });
      expect(report).toMatchObject({
        assetKey: task.key,
        assetType: TASK,
        errorType: ErrorType.EXECUTION,
        owner: ctx.topology.worker,
      });
      expect(report.logsAddress).toMatchObject(logs);
      expectMicros(report.creationDate);
      expectMessage(
        FailureReportSchema,
        await ctx.owner.failureReport.getFailureReport({ assetKey: task.key }),
        report,
      );

      expect((await ctx.owner.task.getTask({ key: task.key })).status).toBe(ComputeTaskStatus.STATUS_FAILED);
      const failedPlan = await ctx.owner.plan.getPlan({ key: plan.key });
      expect(failedPlan.failureDate).toEqual(report.creationDate);

      // task CREATED, UPDATED (executing), UPDATED (failed, reason), then the report's CREATED — same request, same time.
      const events = await eventsOf(ctx.owner, task.key);
      expect(events).toHaveLength(4);
      const failed = events.find(
        (e) => e.asset.case === 'computeTask' && e.asset.value.status === ComputeTaskStatus.STATUS_FAILED,
      );
      expect(failed?.metadata).toEqual({ reason: 'failure report registered' });
      const created = events.find((e) => e.assetKind === AssetKind.ASSET_FAILURE_REPORT);
      expect(created?.eventKind).toBe(EventKind.EVENT_ASSET_CREATED);
      expectEventMeta(created!, ctx.channel);
      expect(created?.timestamp).toEqual(failed?.timestamp);
      expectMessage(FailureReportSchema, payload(created!, 'failureReport'), report);
    });

    it('an INTERNAL error has no logs address; only one report per asset (OE0006)', async () => {
      const { task } = await runningTask();
      const report = await ctx.worker.failureReport.registerFailureReport({
        assetKey: task.key,
        assetType: TASK,
        errorType: ErrorType.INTERNAL,
      });
      expect(report.logsAddress).toBeUndefined();
      expectMessage(
        FailureReportSchema,
        await ctx.worker.failureReport.getFailureReport({ assetKey: task.key }),
        report,
      );
      await expectOrcError(
        ctx.worker.failureReport.registerFailureReport({
          assetKey: task.key,
          assetType: TASK,
          errorType: ErrorType.INTERNAL,
        }),
        'OE0006',
      );
      expect(
        (await eventsOf(ctx.owner, task.key)).filter((e) => e.assetKind === AssetKind.ASSET_FAILURE_REPORT),
      ).toHaveLength(1);
    });

    it('a function build failure report fails the function and its BUILDING tasks', async () => {
      const fn = await ctx.owner.function.registerFunction(newFunction('model-only'));
      await ctx.owner.function.applyFunctionAction({ functionKey: fn.key, action: FunctionAction.BUILDING });
      const b = await withNewPlan(bench);
      const task = await registerTask(ctx.owner, seedTask({ plan: b.plan, fn, worker: ctx.topology.worker }));
      expect(task.status).toBe(ComputeTaskStatus.STATUS_BUILDING);
      // Only the function owner reports its build.
      await expectOrcError(
        ctx.worker.failureReport.registerFailureReport({
          assetKey: fn.key,
          assetType: FUNCTION,
          errorType: ErrorType.BUILD,
          logsAddress: addressable(),
        }),
        'OE0102',
      );
      const report = await ctx.owner.failureReport.registerFailureReport({
        assetKey: fn.key,
        assetType: FUNCTION,
        errorType: ErrorType.BUILD,
        logsAddress: addressable(),
      });
      expect(report.owner).toBe(ctx.topology.owner);
      expect((await ctx.owner.function.getFunction({ key: fn.key })).status).toBe(FunctionStatus.FAILED);
      expect((await ctx.owner.task.getTask({ key: task.key })).status).toBe(ComputeTaskStatus.STATUS_FAILED);
      const fnEvents = await eventsOf(ctx.owner, fn.key);
      expect(fnEvents.map((e) => [e.eventKind, e.assetKind])).toEqual(
        expect.arrayContaining([
          [EventKind.EVENT_ASSET_UPDATED, AssetKind.ASSET_FUNCTION],
          [EventKind.EVENT_ASSET_CREATED, AssetKind.ASSET_FAILURE_REPORT],
        ]),
      );
      expect(
        fnEvents.find(
          (e) =>
            e.assetKind === AssetKind.ASSET_FUNCTION &&
            e.eventKind === EventKind.EVENT_ASSET_UPDATED &&
            payload(e, 'function').status === FunctionStatus.FAILED,
        )?.metadata,
      ).toEqual({
        reason: 'failure report registered',
      });
      expectMessage(FailureReportSchema, await ctx.owner.failureReport.getFailureReport({ assetKey: fn.key }), report);
    });

    it('refuses: a non-worker (OE0102), a task not executing (OE0003), unknown assets (OE0002), and writes nothing', async () => {
      const { task } = await runningTask();
      const report = (client = ctx.worker, assetKey = task.key, assetType = TASK) =>
        client.failureReport.registerFailureReport({
          assetKey,
          assetType,
          errorType: ErrorType.EXECUTION,
          logsAddress: addressable(),
        });
      await expectOrcError(report(ctx.owner), 'OE0102');
      await expectOrcError(report(ctx.worker, key()), 'OE0002');
      await expectOrcError(report(ctx.owner, key(), FUNCTION), 'OE0002');
      const waiting = await registerTask(
        ctx.owner,
        seedTask({ plan: (await withNewPlan(bench)).plan, fn: bench.modelOnly, worker: ctx.topology.worker }),
      );
      await expectOrcError(report(ctx.worker, waiting.key), 'OE0003');
      // A function that is not building cannot fail its build.
      await expectOrcError(report(ctx.owner, bench.modelOnly.key, FUNCTION), 'OE0003');
      for (const k of [task.key, waiting.key]) {
        await expectOrcError(ctx.owner.failureReport.getFailureReport({ assetKey: k }), 'OE0002');
        expect((await eventsOf(ctx.owner, k)).filter((e) => e.assetKind === AssetKind.ASSET_FAILURE_REPORT)).toEqual(
          [],
        );
      }
      expect((await ctx.owner.task.getTask({ key: task.key })).status).toBe(ComputeTaskStatus.STATUS_EXECUTING);
      expect((await ctx.owner.function.getFunction({ key: bench.modelOnly.key })).status).toBe(FunctionStatus.READY);
    });

    it.each([
      ['an unspecified error type', { errorType: ErrorType.UNSPECIFIED }],
      ['an unknown asset type', { assetType: FailedAssetKind.FAILED_ASSET_UNKNOWN }],
      ['an EXECUTION error without logs', { logsAddress: undefined }],
      ['an INTERNAL error with logs', { errorType: ErrorType.INTERNAL }],
      ['a malformed asset key', { assetKey: 'task-1' }],
      ['logs with a bad checksum', { logsAddress: { checksum: 'abc', storageAddress: 'http://logs.example.com/1' } }],
    ])('refuses %s with INVALID_ARGUMENT (OE0101), leaving the task running', async (_what, overrides) => {
      const { task } = await runningTask();
      await expectOrcError(
        ctx.worker.failureReport.registerFailureReport({
          assetKey: task.key,
          assetType: TASK,
          errorType: ErrorType.EXECUTION,
          logsAddress: addressable(),
          ...overrides,
        }),
        'OE0101',
      );
      expect((await ctx.owner.task.getTask({ key: task.key })).status).toBe(ComputeTaskStatus.STATUS_EXECUTING);
      await expectNothingWritten(ctx.owner, key(), () =>
        ctx.owner.failureReport.getFailureReport({ assetKey: task.key }),
      );
    });
  });
}
