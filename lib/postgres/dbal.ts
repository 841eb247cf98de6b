// The DBAL over SQL, bound to one transaction (a Queryable from runInTransaction) and one channel. Each method
// is a thin delegate to the store module of its asset group.
import type {
  ComputePlan,
  ComputeTask,
  ComputeTaskOutputAsset,
  ComputeTaskStatus,
  DataManager,
  DataSample,
  Event,
  FailureReport,
  Function as OrcFunction,
  Model,
  Organization,
  Performance,
  SortOrder,
} from '../asset/index.js';
import type {
  DBAL,
  DataSampleFilter,
  EventFilter,
  FunctionFilter,
  Page,
  PageRequest,
  PerformanceFilter,
  PlanFilter,
  TaskFilter,
} from '../persistence/index.js';
import { orcErrorsFrom } from './errors.js';
import type { Queryable } from './sql.js';
import type { Ctx } from './store/common.js';
import * as dm from './store/datamanagers.js';
import * as ds from './store/datasamples.js';
import * as ev from './store/events.js';
import * as fn from './store/functions.js';
import * as org from './store/organizations.js';
import * as out from './store/outputs.js';
import * as plan from './store/plans.js';
import * as task from './store/tasks.js';

export class PostgresDBAL implements DBAL {
  private readonly ctx: Ctx;

  constructor(q: Queryable, channel: string) {
    this.ctx = { q: orcErrorsFrom(q), channel };
  }

  addOrganization = (o: Organization): Promise<void> => org.addOrganization(this.ctx, o);
  getOrganization = (id: string): Promise<Organization | undefined> => org.getOrganization(this.ctx, id);
  getAllOrganizations = (): Promise<Organization[]> => org.getAllOrganizations(this.ctx);

  addFunction = (f: OrcFunction): Promise<void> => fn.addFunction(this.ctx, f);
  getFunction = (key: string): Promise<OrcFunction | undefined> => fn.getFunction(this.ctx, key);
  updateFunction = (f: OrcFunction): Promise<void> => fn.updateFunction(this.ctx, f);
  queryFunctions = (page: PageRequest, filter: FunctionFilter): Promise<Page<OrcFunction>> =>
    fn.queryFunctions(this.ctx, page, filter);

  addDataManager = (d: DataManager): Promise<void> => dm.addDataManager(this.ctx, d);
  getDataManager = (key: string): Promise<DataManager | undefined> => dm.getDataManager(this.ctx, key);
  getDataManagers = (keys: string[]): Promise<DataManager[]> => dm.getDataManagers(this.ctx, keys);
  updateDataManager = (d: DataManager): Promise<void> => dm.updateDataManager(this.ctx, d);
  queryDataManagers = (page: PageRequest): Promise<Page<DataManager>> => dm.queryDataManagers(this.ctx, page);

  addDataSamples = (samples: DataSample[]): Promise<void> => ds.addDataSamples(this.ctx, samples);
  getDataSamples = (keys: string[]): Promise<DataSample[]> => ds.getDataSamples(this.ctx, keys);
  updateDataSamples = (samples: DataSample[]): Promise<void> => ds.updateDataSamples(this.ctx, samples);
  queryDataSamples = (page: PageRequest, filter: DataSampleFilter): Promise<Page<DataSample>> =>
    ds.queryDataSamples(this.ctx, page, filter);
  getDataSampleKeysByManager = (key: string): Promise<string[]> => ds.getDataSampleKeysByManager(this.ctx, key);

  addComputePlan = (p: ComputePlan): Promise<void> => plan.addComputePlan(this.ctx, p);
  getComputePlan = (key: string): Promise<ComputePlan | undefined> => plan.getComputePlan(this.ctx, key);
  updateComputePlan = (p: ComputePlan): Promise<void> => plan.updateComputePlan(this.ctx, p);
  queryComputePlans = (page: PageRequest, filter: PlanFilter): Promise<Page<ComputePlan>> =>
    plan.queryComputePlans(this.ctx, page, filter);
  getComputePlanTaskStatuses = (key: string): Promise<Set<ComputeTaskStatus>> =>
    plan.getComputePlanTaskStatuses(this.ctx, key);

  addComputeTasks = (tasks: ComputeTask[]): Promise<void> => task.addComputeTasks(this.ctx, tasks);
  getComputeTask = (key: string): Promise<ComputeTask | undefined> => task.getComputeTask(this.ctx, key);
  getComputeTasks = (keys: string[]): Promise<ComputeTask[]> => task.getComputeTasks(this.ctx, keys);
  updateComputeTaskStatus = (key: string, status: ComputeTaskStatus): Promise<void> =>
    task.updateComputeTaskStatus(this.ctx, key, status);
  queryComputeTasks = (page: PageRequest, filter: TaskFilter): Promise<Page<ComputeTask>> =>
    task.queryComputeTasks(this.ctx, page, filter);
  getComputeTaskChildren = (key: string): Promise<ComputeTask[]> => task.getComputeTaskChildren(this.ctx, key);
  getFunctionTasksWithStatus = (functionKey: string, statuses: ComputeTaskStatus[]): Promise<ComputeTask[]> =>
    task.getFunctionTasksWithStatus(this.ctx, functionKey, statuses);

  addComputeTaskOutputAsset = (a: ComputeTaskOutputAsset): Promise<void> => out.addComputeTaskOutputAsset(this.ctx, a);
  getComputeTaskOutputAssets = (taskKey: string, identifier: string): Promise<ComputeTaskOutputAsset[]> =>
    out.getComputeTaskOutputAssets(this.ctx, taskKey, identifier);
  countComputeTaskOutputAssets = (taskKey: string): Promise<Map<string, number>> =>
    out.countComputeTaskOutputAssets(this.ctx, taskKey);

  addModel = (m: Model): Promise<void> => out.addModel(this.ctx, m);
  getModel = (key: string): Promise<Model | undefined> => out.getModel(this.ctx, key);
  getComputeTaskOutputModels = (taskKey: string): Promise<Model[]> => out.getComputeTaskOutputModels(this.ctx, taskKey);
  updateModel = (m: Model): Promise<void> => out.updateModel(this.ctx, m);

  addPerformance = (p: Performance): Promise<void> => out.addPerformance(this.ctx, p);
  getPerformance = (taskKey: string, identifier: string): Promise<Performance | undefined> =>
    out.getPerformance(this.ctx, taskKey, identifier);
  queryPerformances = (page: PageRequest, filter: PerformanceFilter): Promise<Page<Performance>> =>
    out.queryPerformances(this.ctx, page, filter);

  addFailureReport = (r: FailureReport): Promise<void> => out.addFailureReport(this.ctx, r);
  getFailureReport = (assetKey: string): Promise<FailureReport | undefined> => out.getFailureReport(this.ctx, assetKey);

  /** Stores events in emission order and assigns their positions (see store/events.ts). */
  addEvents = async (events: Event[]): Promise<void> => {
    await ev.addEvents(this.ctx, events);
  };
  queryEvents = (page: PageRequest, filter: EventFilter, sort: SortOrder): Promise<Page<Event>> =>
    ev.queryEvents(this.ctx, page, filter, sort);
}
