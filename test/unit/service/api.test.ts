// The RPC table seen from the business rules: read-only RPCs never write nor emit; write RPCs reach their service.
import { describe, expect, it } from 'vitest';
import { grpcPath, rpcs } from '../../../lib/api/index.js';
import { newFailureReport, ORG1, ORG2 } from './fixtures.js';
import { A, taskWorld } from './harness.js';

describe('RPC table', () => {
  it('every read-only RPC answers without writing or emitting anything', async () => {
    const w = await taskWorld();
    const [parent] = await w.h.tasks(ORG1, w.root({ worker: ORG2 }));
    const model = await w.h.runToDone(ORG2, parent!.key);
    const [task] = await w.h.tasks(ORG1, w.test(parent!.key, { worker: ORG2 }));
    await w.h.taskAction(ORG2, task!.key, A.TASK_ACTION_EXECUTING);
    const [failed] = await w.h.tasks(ORG1, w.root({ worker: ORG2 }));
    await w.h.taskAction(ORG2, failed!.key, A.TASK_ACTION_EXECUTING);
    await w.h.as(ORG2).failureReport.registerFailureReport(newFailureReport(failed!.key));

    const requests: Record<string, Record<string, unknown>> = {
      '/orchestrator.OrganizationService/GetAllOrganizations': {},
      '/orchestrator.FunctionService/GetFunction': { key: w.fns.root.key },
      '/orchestrator.FunctionService/QueryFunctions': { filter: { computePlanKey: w.plan.key } },
      '/orchestrator.DataManagerService/GetDataManager': { key: w.dm.key },
      '/orchestrator.DataManagerService/QueryDataManagers': {},
      '/orchestrator.DataSampleService/QueryDataSamples': {},
      '/orchestrator.DataSampleService/GetDataSample': { key: w.samples[0]!.key },
      '/orchestrator.DatasetService/GetDataset': { key: w.dm.key },
      '/orchestrator.ComputePlanService/GetPlan': { key: w.plan.key },
      '/orchestrator.ComputePlanService/QueryPlans': {},
      '/orchestrator.ComputePlanService/IsPlanRunning': { key: w.plan.key },
      '/orchestrator.ComputeTaskService/QueryTasks': {},
      '/orchestrator.ComputeTaskService/GetTask': { key: task!.key },
      '/orchestrator.ComputeTaskService/GetTaskInputAssets': { computeTaskKey: task!.key },
      '/orchestrator.ModelService/GetModel': { key: model.key },
      '/orchestrator.ModelService/GetComputeTaskOutputModels': { computeTaskKey: parent!.key },
      '/orchestrator.PerformanceService/QueryPerformances': {},
      '/orchestrator.EventService/QueryEvents': {},
      '/orchestrator.FailureReportService/GetFailureReport': { assetKey: failed!.key },
      '/orchestrator.InfoService/QueryVersion': {},
    };
    const readOnly = rpcs.filter((r) => r.kind === 'unary' && r.readOnly).map(grpcPath);
    expect(readOnly.sort()).toEqual(Object.keys(requests).sort());
    const before = w.h.state();
    const mark = w.h.mark();
    for (const path of readOnly) {
      const answer = await w.h.call(ORG1, path, requests[path]!);
      expect(answer, path).toBeDefined();
    }
    expect(w.h.state()).toEqual(before);
    expect(w.h.since(mark)).toEqual([]);
  });

  it('write RPCs go through the table to their service (a plan life by gRPC paths)', async () => {
    const w = await taskWorld();
    const plan = '/orchestrator.ComputePlanService/';
    const key = '00000000-0000-4000-8000-00000000ffff';
    const mark = w.h.mark();
    await w.h.call(ORG1, `${plan}RegisterPlan`, { key, name: 'by path' });
    await w.h.call(ORG1, `${plan}UpdatePlan`, { key, name: 'renamed' });
    await w.h.call(ORG1, `${plan}ApplyPlanAction`, { key, action: 1 });
    expect(w.h.since(mark)).toHaveLength(3);
    const got = await w.h.as(ORG1).computePlan.load(key);
    expect(got.name).toBe('renamed');
    expect(got.cancelationDate).toEqual(w.h.now());
    await w.h.refused('OE0109', () => w.h.call(ORG1, `${plan}ApplyPlanAction`, { key, action: 1 }));
  });
});
