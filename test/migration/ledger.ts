// A ledger worth migrating, filled through the public API as the conformance scenario drives it: two organizations,
// functions built, updated and one failed, data of both organizations, a plan run to the end (models, a transient
// output disabled, a performance), a failed plan with its failure report, a cancelled plan, a profiling step and
// renamed assets. What it leaves for work after an import: `pending`, a task ready to run.
import { ErrorType, FailedAssetKind, FunctionAction, ComputePlanAction, type Event } from '../../lib/asset/index.js';
import type { OrchestratorClient } from '../support/client.js';
import {
  addressable,
  aggregateTask,
  key,
  registerModel,
  restrictedTo,
  seedTask,
  setupDataset,
  setupFunction,
  setupPlan,
  startTask,
  finishTask,
  predictTask,
  trainTask,
} from '../conformance/fixtures.js';

export interface FilledLedger {
  /** A task of the finished plan's sibling, WAITING_FOR_EXECUTOR_SLOT, run by `worker` (model output). */
  pending: string;
}

export async function fillLedger(owner: OrchestratorClient, worker: OrchestratorClient): Promise<FilledLedger> {
  const ownerId = owner.mspid!;
  const workerId = worker.mspid!;
  await owner.organization.registerOrganization({ address: 'owner.example:443' });
  await worker.organization.registerOrganization({ address: '' });

  const train = await setupFunction(owner, 'train');
  const aggregate = await setupFunction(owner, 'aggregate');
  const predict = await setupFunction(owner, 'predict');
  const seed = await setupFunction(owner, 'model-only');
  await owner.function.updateFunction({ key: seed.key, name: 'seed, renamed', image: addressable() });
  const broken = await setupFunction(owner, 'train', { ready: false });
  await owner.function.applyFunctionAction({ functionKey: broken.key, action: FunctionAction.BUILDING });
  await owner.failureReport.registerFailureReport({
    assetKey: broken.key,
    assetType: FailedAssetKind.FAILED_ASSET_FUNCTION,
    errorType: ErrorType.BUILD,
    logsAddress: addressable(),
  });

  const ownerData = await setupDataset(owner, {
    samples: 3,
    overrides: { newPermissions: restrictedTo(workerId), logsPermission: restrictedTo(workerId) },
  });
  const workerData = await setupDataset(worker, { samples: 2 });
  await owner.dataManager.updateDataManager({ key: ownerData.dataManager.key, name: 'renamed opener' });

  // A plan run to the end: two trainings (transient), an aggregate, a test; registered children first.
  const plan = await setupPlan(owner, 'finished');
  const t1 = trainTask({ plan, fn: train, dataset: ownerData, transient: true, metadata: { round: '1', site: 'a' } });
  const t2 = trainTask({ plan, fn: train, dataset: workerData, transient: true });
  const agg = aggregateTask({ plan, fn: aggregate, parents: [t1.key!, t2.key!], worker: ownerId });
  const test = predictTask({ plan, fn: predict, dataset: ownerData, parent: agg.key! });
  const pending = seedTask({ plan, fn: seed, worker: workerId });
  await owner.task.registerTasks({ tasks: [test, agg, t2, t1, pending] });
  for (const [client, task] of [
    [owner, t1],
    [worker, t2],
  ] as const) {
    await startTask(client, task.key!);
    await registerModel(client, task.key!);
    await finishTask(client, task.key!);
  }
  await startTask(owner, agg.key!);
  await worker.profiling.registerProfilingStep({ assetKey: agg.key!, duration: 1234, step: 'build_image' });
  await registerModel(owner, agg.key!);
  await finishTask(owner, agg.key!);
  await startTask(owner, test.key!);
  await owner.performance.registerPerformance({
    computeTaskKey: test.key!,
    computeTaskOutputIdentifier: 'performance',
    performanceValue: 0.875,
  });
  await finishTask(owner, test.key!);
  await owner.task.disableOutput({ computeTaskKey: t1.key!, identifier: 'model' });
  await owner.plan.updatePlan({ key: plan.key, name: 'finished, renamed' });

  // A plan that fails, and one that is cancelled.
  const failing = await setupPlan(owner, 'failing');
  const doomed = trainTask({ plan: failing, fn: train, dataset: workerData });
  await owner.task.registerTasks({ tasks: [doomed] });
  await startTask(worker, doomed.key!);
  await worker.failureReport.registerFailureReport({
    assetKey: doomed.key!,
    assetType: FailedAssetKind.FAILED_ASSET_COMPUTE_TASK,
    errorType: ErrorType.EXECUTION,
    logsAddress: addressable(),
  });
  const cancelled = await setupPlan(owner, 'cancelled');
  await owner.task.registerTasks({ tasks: [seedTask({ plan: cancelled, fn: seed, worker: workerId, key: key() })] });
  await owner.plan.applyPlanAction({ key: cancelled.key, action: ComputePlanAction.PLAN_ACTION_CANCELED });

  return { pending: pending.key! };
}

/** Reads `count` events of a stream and cancels it. */
export async function take(stream: AsyncIterable<Event> & { cancel(): void }, count: number): Promise<Event[]> {
  const out: Event[] = [];
  if (count > 0) {
    for await (const event of stream) {
      out.push(event);
      if (out.length === count) break;
    }
  }
  stream.cancel();
  return out;
}
