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
import type { Timestamp } from '@bufbuild/protobuf/wkt';

/**
 * One page request, built by the service (lib/service/paging.ts). `token` is whatever the same DBAL returned as
 * `nextToken` ("" = first page); a token the DBAL cannot read must raise an InvalidAsset OrcError. Every DBAL fills
 * pages through {@link PageFill}, which applies `skip`, `size` and the byte budget the same way.
 */
export interface PageRequest {
  token: string;
  /** Items to pass over before the page starts: Substra's page tokens are decimal offsets ("5000"). */
  skip?: number;
  /** At least 1. */
  size: number;
  /** The encoded size of one item of this list, so that a page can end before it outgrows a gRPC message. */
  byteSize?: (item: object) => number;
}

/** `nextToken` is "" when there is no further item. */
export interface Page<T> {
  items: T[];
  nextToken: string;
}

/** Narrows queryFunctions; an absent field does not filter. */
export interface FunctionFilter {
  /** Functions used by at least one task of this plan. */
  computePlanKey?: string;
}

/** Narrows queryComputePlans; an absent field does not filter. */
export interface PlanFilter {
  owner?: string;
}

/** Narrows queryComputeTasks; every present field must match. */
export interface TaskFilter {
  worker?: string;
  status?: ComputeTaskStatus;
  computePlanKey?: string;
  functionKey?: string;
}

/** Narrows queryDataSamples to the listed keys; callers pass no list rather than an empty one. */
export interface DataSampleFilter {
  keys?: string[];
}

/** Narrows queryPerformances; every present field must match. */
export interface PerformanceFilter {
  computeTaskKey?: string;
  computeTaskOutputIdentifier?: string;
}

/** Narrows queryEvents; every present field must match (0 and "" count as absent). */
export interface EventFilter {
  assetKey?: string;
  assetKind?: number;
  eventKind?: number;
  /** Every pair must be present in the event's metadata. */
  metadata?: Record<string, string>;
  /** Inclusive bounds on the event timestamp. */
  start?: Timestamp;
  end?: Timestamp;
}

/**
 * The storage the services see, bound to one transaction and one channel: every read and write is scoped to that
 * channel, and keys are unique per channel. Reads see the transaction's own writes.
 *
 * It is composed of one slice per asset (as Substra splits its DBAL), and every implementation is composed the same
 * way: a factory per slice (lib/ledger/<asset>.ts, lib/postgres/store/<asset>.ts) returning an object literal typed
 * by the slice, joined by composeSlices into one object typed DBAL. A new storage method is therefore written three times — the slice
 * method below and its two implementations — and the compiler rejects an implementation that lacks one. A backend
 * that stores one asset differently replaces that slice alone (lib/embedded keeps events in its own log).
 *
 * Conventions shared by every implementation:
 * - `get*` return undefined when absent; the service decides which error that is.
 * - batch reads (`get*s(keys)`) return the found items in no particular order; callers index them by key.
 * - lists are ordered as stated on each method, so that every backend answers identically.
 * - timestamps are stored and returned at microsecond precision.
 * - assets are stored whole and returned whole (message-typed fields keep their presence).
 */
export type DBAL = OrganizationStore &
  FunctionStore &
  DataManagerStore &
  DataSampleStore &
  ComputePlanStore &
  ComputeTaskStore &
  OutputAssetStore &
  ModelStore &
  PerformanceStore &
  FailureReportStore &
  EventStore;

/** Organizations, registered once each. */
export interface OrganizationStore {
  addOrganization(org: Organization): Promise<void>;
  getOrganization(id: string): Promise<Organization | undefined>;
  /** Ordered by creation date, then id. */
  getAllOrganizations(): Promise<Organization[]>;
}

/** Functions; their status follows the build state machine, so updates are frequent. */
export interface FunctionStore {
  addFunction(fn: OrcFunction): Promise<void>;
  getFunction(key: string): Promise<OrcFunction | undefined>;
  /** Persists name, status and image. */
  updateFunction(fn: OrcFunction): Promise<void>;
  /** Ordered by creation date, then key. */
  queryFunctions(page: PageRequest, filter: FunctionFilter): Promise<Page<OrcFunction>>;
}

/** Data managers, referenced by data samples and task inputs. */
export interface DataManagerStore {
  addDataManager(dm: DataManager): Promise<void>;
  getDataManager(key: string): Promise<DataManager | undefined>;
  getDataManagers(keys: string[]): Promise<DataManager[]>;
  /** Persists the name. */
  updateDataManager(dm: DataManager): Promise<void>;
  /** Ordered by creation date, then key. */
  queryDataManagers(page: PageRequest): Promise<Page<DataManager>>;
}

/** Data samples, registered and linked to data managers in batches. */
export interface DataSampleStore {
  addDataSamples(samples: DataSample[]): Promise<void>;
  getDataSamples(keys: string[]): Promise<DataSample[]>;
  /** Persists data_manager_keys (in the order given). */
  updateDataSamples(samples: DataSample[]): Promise<void>;
  /** Ordered by creation date, then key. */
  queryDataSamples(page: PageRequest, filter: DataSampleFilter): Promise<Page<DataSample>>;
  /** Keys of the samples linked to a data manager, ordered by creation date, then key. */
  getDataSampleKeysByManager(dataManagerKey: string): Promise<string[]>;
}

/** Compute plans; their tasks are in ComputeTaskStore. */
export interface ComputePlanStore {
  addComputePlan(plan: ComputePlan): Promise<void>;
  getComputePlan(key: string): Promise<ComputePlan | undefined>;
  /** Persists name, cancelation_date and failure_date. */
  updateComputePlan(plan: ComputePlan): Promise<void>;
  /** Ordered by creation date, then key. */
  queryComputePlans(page: PageRequest, filter: PlanFilter): Promise<Page<ComputePlan>>;
}

/** Compute tasks, and what is asked of them by plan and by function (both read task indexes). */
export interface ComputeTaskStore {
  /** Tasks arrive parents first; every parent is either stored already or earlier in the list. */
  addComputeTasks(tasks: ComputeTask[]): Promise<void>;
  getComputeTask(key: string): Promise<ComputeTask | undefined>;
  getComputeTasks(keys: string[]): Promise<ComputeTask[]>;
  updateComputeTaskStatus(key: string, status: ComputeTaskStatus): Promise<void>;
  /** Ordered by creation date, then key. */
  queryComputeTasks(page: PageRequest, filter: TaskFilter): Promise<Page<ComputeTask>>;
  /** Tasks having `key` among the parents their inputs reference, ordered by creation date, then key. */
  getComputeTaskChildren(key: string): Promise<ComputeTask[]>;
  /** Tasks of a function whose status is one of `statuses`, ordered by creation date, then key. */
  getFunctionTasksWithStatus(functionKey: string, statuses: ComputeTaskStatus[]): Promise<ComputeTask[]>;
  /** The distinct statuses of the plan's tasks (empty when it has none). */
  getComputePlanTaskStatuses(planKey: string): Promise<Set<ComputeTaskStatus>>;
}

/** What a task produced on each of its outputs. */
export interface OutputAssetStore {
  addComputeTaskOutputAsset(asset: ComputeTaskOutputAsset): Promise<void>;
  /** In registration order. */
  getComputeTaskOutputAssets(taskKey: string, identifier: string): Promise<ComputeTaskOutputAsset[]>;
  /** Number of registered assets per output identifier (identifiers with none are absent). */
  countComputeTaskOutputAssets(taskKey: string): Promise<Map<string, number>>;
}

/** Models registered on task outputs; disabling one clears its address. */
export interface ModelStore {
  addModel(model: Model): Promise<void>;
  getModel(key: string): Promise<Model | undefined>;
  /** Ordered by creation date, then key. */
  getComputeTaskOutputModels(taskKey: string): Promise<Model[]>;
  /** Persists the address (absent once disabled). */
  updateModel(model: Model): Promise<void>;
}

/** Performances, one per task output; keyed by task key and output identifier. */
export interface PerformanceStore {
  addPerformance(perf: Performance): Promise<void>;
  getPerformance(taskKey: string, identifier: string): Promise<Performance | undefined>;
  /** Ordered by creation date ascending, then compute task key descending (Substra's order). */
  queryPerformances(page: PageRequest, filter: PerformanceFilter): Promise<Page<Performance>>;
}

/** One failure report per asset key. */
export interface FailureReportStore {
  addFailureReport(report: FailureReport): Promise<void>;
  getFailureReport(assetKey: string): Promise<FailureReport | undefined>;
}

/** The events of the channel. A backend with its own event log replaces this slice alone (lib/embedded). */
export interface EventStore {
  /** Stores events (ids already assigned) in the order given, which is their emission order. */
  addEvents(events: Event[]): Promise<void>;
  /**
   * In commit order (emission order within a call), the order SubscribeToEvents delivers; ascending unless `sort` is
   * DESCENDING. `channel` is filled on each event.
   */
  queryEvents(page: PageRequest, filter: EventFilter, sort: SortOrder): Promise<Page<Event>>;
}
