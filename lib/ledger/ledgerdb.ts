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
import * as dataManagers from './datamanagers.js';
import * as dataSamples from './datasamples.js';
import * as events from './events.js';
import * as failures from './failures.js';
import * as functions from './functions.js';
import type { KV } from './kv.js';
import * as models from './models.js';
import * as organizations from './organizations.js';
import * as outputs from './outputs.js';
import * as performances from './performances.js';
import * as plans from './plans.js';
import { TxStore } from './store.js';
import * as tasks from './tasks.js';

/**
 * The DBAL over a key-value world state (Fabric's stub through StubKV, or MemoryKV in tests). One instance serves
 * one transaction of one channel: the KV is that channel's world state, and the instance keeps the transaction's
 * read-your-writes overlay. Everything it writes is a pure function of the calls it receives (no clock, no
 * randomness, maps encoded in sorted order), so every endorsing peer produces the same write set.
 *
 * Key and index layout: keys.ts. Encoding: codec.ts. Page tokens: pagetoken.ts.
 */
export class LedgerDB implements DBAL {
  private readonly store: TxStore;

  /** `deferWrites`: see TxStore; the caller must then flush(), and may roll back to a savepoint in between. */
  constructor(
    kv: KV,
    private readonly channel = '',
    options: { deferWrites?: boolean } = {},
  ) {
    this.store = new TxStore(kv, options);
  }

  savepoint(): number {
    return this.store.savepoint();
  }
  rollback(mark: number): void {
    this.store.rollback(mark);
  }
  flush(): Promise<void> {
    return this.store.flush();
  }

  addOrganization(org: Organization): Promise<void> {
    return organizations.addOrganization(this.store, org);
  }
  getOrganization(id: string): Promise<Organization | undefined> {
    return organizations.getOrganization(this.store, id);
  }
  getAllOrganizations(): Promise<Organization[]> {
    return organizations.getAllOrganizations(this.store);
  }

  addFunction(fn: OrcFunction): Promise<void> {
    return functions.addFunction(this.store, fn);
  }
  getFunction(key: string): Promise<OrcFunction | undefined> {
    return functions.getFunction(this.store, key);
  }
  updateFunction(fn: OrcFunction): Promise<void> {
    return functions.updateFunction(this.store, fn);
  }
  queryFunctions(page: PageRequest, filter: FunctionFilter): Promise<Page<OrcFunction>> {
    return functions.queryFunctions(this.store, page, filter);
  }

  addDataManager(dm: DataManager): Promise<void> {
    return dataManagers.addDataManager(this.store, dm);
  }
  getDataManager(key: string): Promise<DataManager | undefined> {
    return dataManagers.getDataManager(this.store, key);
  }
  getDataManagers(keys: string[]): Promise<DataManager[]> {
    return dataManagers.getDataManagers(this.store, keys);
  }
  updateDataManager(dm: DataManager): Promise<void> {
    return dataManagers.updateDataManager(this.store, dm);
  }
  queryDataManagers(page: PageRequest): Promise<Page<DataManager>> {
    return dataManagers.queryDataManagers(this.store, page);
  }

  addDataSamples(samples: DataSample[]): Promise<void> {
    return dataSamples.addDataSamples(this.store, samples);
  }
  getDataSamples(keys: string[]): Promise<DataSample[]> {
    return dataSamples.getDataSamples(this.store, keys);
  }
  updateDataSamples(samples: DataSample[]): Promise<void> {
    return dataSamples.updateDataSamples(this.store, samples);
  }
  queryDataSamples(page: PageRequest, filter: DataSampleFilter): Promise<Page<DataSample>> {
    return dataSamples.queryDataSamples(this.store, page, filter);
  }
  getDataSampleKeysByManager(dataManagerKey: string): Promise<string[]> {
    return dataSamples.getDataSampleKeysByManager(this.store, dataManagerKey);
  }

  addComputePlan(plan: ComputePlan): Promise<void> {
    return plans.addComputePlan(this.store, plan);
  }
  getComputePlan(key: string): Promise<ComputePlan | undefined> {
    return plans.getComputePlan(this.store, key);
  }
  updateComputePlan(plan: ComputePlan): Promise<void> {
    return plans.updateComputePlan(this.store, plan);
  }
  queryComputePlans(page: PageRequest, filter: PlanFilter): Promise<Page<ComputePlan>> {
    return plans.queryComputePlans(this.store, page, filter);
  }
  getComputePlanTaskStatuses(planKey: string): Promise<Set<ComputeTaskStatus>> {
    return tasks.getComputePlanTaskStatuses(this.store, planKey);
  }

  addComputeTasks(list: ComputeTask[]): Promise<void> {
    return tasks.addComputeTasks(this.store, list);
  }
  getComputeTask(key: string): Promise<ComputeTask | undefined> {
    return tasks.getComputeTask(this.store, key);
  }
  getComputeTasks(keys: string[]): Promise<ComputeTask[]> {
    return tasks.getComputeTasks(this.store, keys);
  }
  updateComputeTaskStatus(key: string, status: ComputeTaskStatus): Promise<void> {
    return tasks.updateComputeTaskStatus(this.store, key, status);
  }
  queryComputeTasks(page: PageRequest, filter: TaskFilter): Promise<Page<ComputeTask>> {
    return tasks.queryComputeTasks(this.store, page, filter);
  }
  getComputeTaskChildren(key: string): Promise<ComputeTask[]> {
    return tasks.getComputeTaskChildren(this.store, key);
  }
  getFunctionTasksWithStatus(functionKey: string, statuses: ComputeTaskStatus[]): Promise<ComputeTask[]> {
    return tasks.getFunctionTasksWithStatus(this.store, functionKey, statuses);
  }

  addComputeTaskOutputAsset(asset: ComputeTaskOutputAsset): Promise<void> {
    return outputs.addComputeTaskOutputAsset(this.store, asset);
  }
  getComputeTaskOutputAssets(taskKey: string, identifier: string): Promise<ComputeTaskOutputAsset[]> {
    return outputs.getComputeTaskOutputAssets(this.store, taskKey, identifier);
  }
  countComputeTaskOutputAssets(taskKey: string): Promise<Map<string, number>> {
    return outputs.countComputeTaskOutputAssets(this.store, taskKey);
  }

  addModel(model: Model): Promise<void> {
    return models.addModel(this.store, model);
  }
  getModel(key: string): Promise<Model | undefined> {
    return models.getModel(this.store, key);
  }
  getComputeTaskOutputModels(taskKey: string): Promise<Model[]> {
    return models.getComputeTaskOutputModels(this.store, taskKey);
  }
  updateModel(model: Model): Promise<void> {
    return models.updateModel(this.store, model);
  }

  addPerformance(perf: Performance): Promise<void> {
    return performances.addPerformance(this.store, perf);
  }
  getPerformance(taskKey: string, identifier: string): Promise<Performance | undefined> {
    return performances.getPerformance(this.store, taskKey, identifier);
  }
  queryPerformances(page: PageRequest, filter: PerformanceFilter): Promise<Page<Performance>> {
    return performances.queryPerformances(this.store, page, filter);
  }

  addFailureReport(report: FailureReport): Promise<void> {
    return failures.addFailureReport(this.store, report);
  }
  getFailureReport(assetKey: string): Promise<FailureReport | undefined> {
    return failures.getFailureReport(this.store, assetKey);
  }

  addEvents(list: Event[]): Promise<void> {
    return events.addEvents(this.store, list);
  }
  queryEvents(page: PageRequest, filter: EventFilter, sort: SortOrder): Promise<Page<Event>> {
    return events.queryEvents(this.store, this.channel, page, filter, sort);
  }
}
