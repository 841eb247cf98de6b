import {
  ComputePlanService,
  ComputeTaskService,
  DataManagerService,
  DataSampleService,
  DatasetService,
  EventService,
  FailureReportService,
  FunctionService,
  InfoService,
  ModelService,
  OrganizationService,
  PerformanceService,
  ProfilingService,
} from '../asset/index.js';
import type { DescMessage, DescMethodServerStreaming, DescMethodUnary, DescService } from '@bufbuild/protobuf';
import { eventStream, grpcPath, unary, type EventStreamRpc, type Rpc, type UnaryRpc } from './rpc.js';

const plan = ComputePlanService.method;
const task = ComputeTaskService.method;
const dm = DataManagerService.method;
const ds = DataSampleService.method;
const fn = FunctionService.method;
const model = ModelService.method;

/**
 * Every RPC of the API, once. Transports and tests derive from this list; nothing else dispatches on an RPC (the
 * metrics only single out RegisterTasks, for Substra's task-registration counters).
 */
export const rpcs: readonly Rpc[] = [
  unary(OrganizationService.method.registerOrganization, 'write', (p, r) => p.organization.registerOrganization(r)),
  unary(OrganizationService.method.getAllOrganizations, 'read', (p) => p.organization.getAllOrganizations()),

  unary(fn.registerFunction, 'write', (p, r) => p.function.registerFunction(r)),
  unary(fn.getFunction, 'read', (p, r) => p.function.getFunction(r)),
  unary(fn.queryFunctions, 'read', (p, r) => p.function.queryFunctions(r)),
  unary(fn.updateFunction, 'write', (p, r) => p.function.updateFunction(r)),
  unary(fn.applyFunctionAction, 'write', (p, r) => p.function.applyFunctionAction(r)),

  unary(dm.registerDataManager, 'write', (p, r) => p.dataManager.registerDataManager(r)),
  unary(dm.getDataManager, 'read', (p, r) => p.dataManager.getDataManager(r)),
  unary(dm.queryDataManagers, 'read', (p, r) => p.dataManager.queryDataManagers(r)),
  unary(dm.updateDataManager, 'write', (p, r) => p.dataManager.updateDataManager(r)),

  unary(ds.registerDataSamples, 'write', (p, r) => p.dataSample.registerDataSamples(r)),
  unary(ds.updateDataSamples, 'write', (p, r) => p.dataSample.updateDataSamples(r)),
  unary(ds.queryDataSamples, 'read', (p, r) => p.dataSample.queryDataSamples(r)),
  unary(ds.getDataSample, 'read', (p, r) => p.dataSample.getDataSample(r)),

  unary(DatasetService.method.getDataset, 'read', (p, r) => p.dataset.getDataset(r)),

  unary(plan.registerPlan, 'write', (p, r) => p.computePlan.registerPlan(r)),
  unary(plan.getPlan, 'read', (p, r) => p.computePlan.getPlan(r)),
  unary(plan.applyPlanAction, 'write', (p, r) => p.computePlan.applyPlanAction(r)),
  unary(plan.queryPlans, 'read', (p, r) => p.computePlan.queryPlans(r)),
  unary(plan.updatePlan, 'write', (p, r) => p.computePlan.updatePlan(r)),
  unary(plan.isPlanRunning, 'read', (p, r) => p.computePlan.isPlanRunning(r)),

  unary(task.registerTasks, 'write', (p, r) => p.computeTask.registerTasks(r)),
  unary(task.queryTasks, 'read', (p, r) => p.computeTask.queryTasks(r)),
  unary(task.getTask, 'read', (p, r) => p.computeTask.getTask(r)),
  unary(task.applyTaskAction, 'write', (p, r) => p.computeTask.applyTaskAction(r)),
  unary(task.getTaskInputAssets, 'read', (p, r) => p.computeTask.getTaskInputAssets(r)),
  unary(task.disableOutput, 'write', (p, r) => p.computeTask.disableOutput(r)),

  unary(model.registerModel, 'write', (p, r) => p.model.registerModel(r)),
  unary(model.registerModels, 'write', (p, r) => p.model.registerModels(r)),
  unary(model.getModel, 'read', (p, r) => p.model.getModel(r)),
  unary(model.getComputeTaskOutputModels, 'read', (p, r) => p.model.getComputeTaskOutputModels(r)),

  unary(PerformanceService.method.registerPerformance, 'write', (p, r) => p.performance.registerPerformance(r)),
  unary(PerformanceService.method.queryPerformances, 'read', (p, r) => p.performance.queryPerformances(r)),

  unary(FailureReportService.method.registerFailureReport, 'write', (p, r) => p.failureReport.registerFailureReport(r)),
  unary(FailureReportService.method.getFailureReport, 'read', (p, r) => p.failureReport.getFailureReport(r)),

  unary(ProfilingService.method.registerProfilingStep, 'write', (p, r) => p.profiling.registerProfilingStep(r)),

  unary(EventService.method.queryEvents, 'read', (p, r) => p.event.queryEvents(r)),
  eventStream(EventService.method.subscribeToEvents),

  unary(InfoService.method.queryVersion, 'read', (p) => p.info.queryVersion()),
];

/**
 * The services of package orchestrator, derived from the rows above so that a service exists on the wire exactly when
 * the table has RPCs for it (in the order of their first row).
 */
export const services: readonly DescService[] = [...new Set(rpcs.map((rpc) => rpc.method.parent))];

const byPath = new Map(rpcs.map((rpc) => [grpcPath(rpc), rpc]));

/** The row served at a gRPC path (`/orchestrator.<Service>/<Method>`); undefined for a path outside the API. */
export function rpcByPath(path: string): Rpc | undefined {
  return byPath.get(path);
}

/**
 * The row of a unary method, typed by its descriptor (`rowOf(ComputeTaskService.method.queryTasks)`), for clients
 * that call the API through the table.
 *
 * @throws Error when the table has no row for `method` (a programming error).
 */
export function rowOf<I extends DescMessage, O extends DescMessage>(method: DescMethodUnary<I, O>): UnaryRpc<I, O>;
export function rowOf<I extends DescMessage, O extends DescMessage>(
  method: DescMethodServerStreaming<I, O>,
): EventStreamRpc<I, O>;
export function rowOf(method: DescMethodUnary | DescMethodServerStreaming): Rpc {
  const row = rpcs.find((rpc) => rpc.method === method);
  if (!row) throw new Error(`no row for ${method.parent.typeName}/${method.name} in the RPC table`);
  return row;
}
