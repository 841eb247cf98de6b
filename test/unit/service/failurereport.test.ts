import { create, equals } from '@bufbuild/protobuf';
import { describe, expect, it } from 'vitest';
import {
  ErrorType,
  EventKind,
  FailedAssetKind,
  FailureReportSchema,
  GetFailureReportParamSchema,
  NewFailureReportSchema,
  type FailureReport,
} from '../../../lib/asset/index.js';
import { addressable, newFailureReport, ORG1, ORG2, shapes, uuid } from './fixtures.js';
import { A, AssetKind, FunctionStatus, S, taskWorld } from './harness.js';

const TASK = FailedAssetKind.FAILED_ASSET_COMPUTE_TASK;
const FUNCTION = FailedAssetKind.FAILED_ASSET_FUNCTION;

describe('RegisterFailureReport: compute task', () => {
  it('fails the task (reason "failure report registered"), dates the plan failure, then stores the report', async () => {
    const w = await taskWorld();
    const [task] = await w.h.tasks(ORG1, w.root({ worker: ORG2 }));
    await w.h.taskAction(ORG2, task!.key, A.TASK_ACTION_EXECUTING);
    w.h.advance();
    const input = newFailureReport(task!.key, TASK, ErrorType.EXECUTION);
    const mark = w.h.mark();
    const report = await w.h.as(ORG2).failureReport.registerFailureReport(input);
    expect(report).toMatchObject({
      assetKey: task!.key,
      errorType: ErrorType.EXECUTION,
      owner: ORG2,
      assetType: TASK,
    });
    expect(report.logsAddress).toEqual(input.logsAddress);
    expect(report.creationDate).toEqual(w.h.now());
    expect(await w.h.status(task!.key)).toBe(S.STATUS_FAILED);
    expect((await w.h.as(ORG1).computePlan.load(w.plan.key)).failureDate).toEqual(w.h.now());

    const events = w.h.since(mark);
    expect(events.map((e) => [e.eventKind, e.assetKind, e.assetKey])).toEqual([
      [EventKind.EVENT_ASSET_UPDATED, AssetKind.ASSET_COMPUTE_TASK, task!.key],
      [EventKind.EVENT_ASSET_CREATED, AssetKind.ASSET_FAILURE_REPORT, task!.key],
    ]);
    expect(events[0]!.metadata).toEqual({ reason: 'failure report registered' });
    const got = await w.h
      .as(ORG1)
      .failureReport.getFailureReport(create(GetFailureReportParamSchema, { assetKey: task!.key }));
    expect(equals(FailureReportSchema, got, report)).toBe(true);
    expect(equals(FailureReportSchema, events[1]!.asset.value as FailureReport, report)).toBe(true);
  });

  it('worker only (OE0102), task must exist (OE0002) and be EXECUTING (OE0003)', async () => {
    const w = await taskWorld();
    const [task] = await w.h.tasks(ORG1, w.root({ worker: ORG2 }));
    const report = () => newFailureReport(task!.key, TASK);
    await w.h.refused('OE0003', () => w.h.as(ORG2).failureReport.registerFailureReport(report()));
    await w.h.taskAction(ORG2, task!.key, A.TASK_ACTION_EXECUTING);
    await w.h.refused('OE0102', () => w.h.as(ORG1).failureReport.registerFailureReport(report()));
    await w.h.refused('OE0002', () => w.h.as(ORG2).failureReport.registerFailureReport(newFailureReport(uuid(), TASK)));
  });

  it('an INTERNAL error has no logs address; stored and returned without one', async () => {
    const w = await taskWorld();
    const [task] = await w.h.tasks(ORG1, w.root({ worker: ORG2 }));
    await w.h.taskAction(ORG2, task!.key, A.TASK_ACTION_EXECUTING);
    const input = newFailureReport(task!.key, TASK, ErrorType.INTERNAL);
    expect(input.logsAddress).toBeUndefined();
    const report = await w.h.as(ORG2).failureReport.registerFailureReport(input);
    expect(report.logsAddress).toBeUndefined();
    const got = await w.h
      .as(ORG2)
      .failureReport.getFailureReport(create(GetFailureReportParamSchema, { assetKey: task!.key }));
    expect(got.logsAddress).toBeUndefined();
    expect(equals(FailureReportSchema, got, report)).toBe(true);
  });

  it('validation: logs required for BUILD/EXECUTION, forbidden for INTERNAL, enums 0 refused (OE0101)', async () => {
    const w = await taskWorld();
    const [task] = await w.h.tasks(ORG1, w.root({ worker: ORG2 }));
    await w.h.taskAction(ORG2, task!.key, A.TASK_ACTION_EXECUTING);
    const bad = [
      { errorType: ErrorType.EXECUTION, assetType: TASK },
      { errorType: ErrorType.INTERNAL, assetType: TASK, logsAddress: addressable() },
      { errorType: ErrorType.UNSPECIFIED, assetType: TASK, logsAddress: addressable() },
      { errorType: ErrorType.EXECUTION, assetType: FailedAssetKind.FAILED_ASSET_UNKNOWN, logsAddress: addressable() },
    ];
    for (const init of bad) {
      await w.h.refused('OE0101', () =>
        w.h
          .as(ORG2)
          .failureReport.registerFailureReport(create(NewFailureReportSchema, { assetKey: task!.key, ...init })),
      );
    }
  });

  it('GetFailureReport of an unknown key is OE0002', async () => {
    const w = await taskWorld();
    await w.h.refused('OE0002', () =>
      w.h.as(ORG1).failureReport.getFailureReport(create(GetFailureReportParamSchema, { assetKey: uuid() })),
    );
  });
});

describe('RegisterFailureReport: function', () => {
  it('fails a BUILDING function and its BUILDING tasks; events: function, tasks, report', async () => {
    const w = await taskWorld();
    const fn = await w.h.fn(ORG1, shapes.root(), FunctionStatus.BUILDING);
    const [task] = await w.h.tasks(ORG1, w.root({ functionKey: fn.key, worker: ORG2 }));
    const mark = w.h.mark();
    const report = await w.h
      .as(ORG1)
      .failureReport.registerFailureReport(newFailureReport(fn.key, FUNCTION, ErrorType.BUILD));
    expect(report).toMatchObject({ assetKey: fn.key, owner: ORG1, assetType: FUNCTION, errorType: ErrorType.BUILD });
    expect((await w.h.as(ORG1).function.load(fn.key)).status).toBe(FunctionStatus.FAILED);
    expect(await w.h.status(task!.key)).toBe(S.STATUS_FAILED);
    expect((await w.h.as(ORG1).computePlan.load(w.plan.key)).failureDate).toBeDefined();
    const events = w.h.since(mark);
    expect(events.map((e) => [e.assetKind, e.assetKey])).toEqual([
      [AssetKind.ASSET_FUNCTION, fn.key],
      [AssetKind.ASSET_COMPUTE_TASK, task!.key],
      [AssetKind.ASSET_FAILURE_REPORT, fn.key],
    ]);
    expect(events[0]!.metadata).toEqual({ reason: 'failure report registered' });
    expect(events[1]!.metadata).toEqual({ reason: 'failure report registered' });
  });

  it('function owner only (OE0102); function must exist (OE0002) and be BUILDING (OE0003)', async () => {
    const w = await taskWorld();
    const waiting = await w.h.fn(ORG1, shapes.root(), FunctionStatus.WAITING);
    const building = await w.h.fn(ORG1, shapes.root(), FunctionStatus.BUILDING);
    await w.h.refused('OE0102', () =>
      w.h.as(ORG2).failureReport.registerFailureReport(newFailureReport(building.key, FUNCTION, ErrorType.BUILD)),
    );
    await w.h.refused('OE0002', () =>
      w.h.as(ORG1).failureReport.registerFailureReport(newFailureReport(uuid(), FUNCTION, ErrorType.BUILD)),
    );
    await w.h.refused('OE0003', () =>
      w.h.as(ORG1).failureReport.registerFailureReport(newFailureReport(waiting.key, FUNCTION, ErrorType.BUILD)),
    );
    await w.h.refused('OE0003', () =>
      w.h.as(ORG1).failureReport.registerFailureReport(newFailureReport(w.fns.root.key, FUNCTION, ErrorType.BUILD)),
    );
  });

  it('one report per asset (OE0006)', async () => {
    const w = await taskWorld();
    const fn = await w.h.fn(ORG1, shapes.root(), FunctionStatus.BUILDING);
    await w.h.as(ORG1).failureReport.registerFailureReport(newFailureReport(fn.key, FUNCTION, ErrorType.BUILD));
    await w.h.refused('OE0006', () =>
      w.h.as(ORG1).failureReport.registerFailureReport(newFailureReport(fn.key, FUNCTION, ErrorType.BUILD)),
    );
  });
});
