export type {
  DBAL,
  OrganizationStore,
  FunctionStore,
  DataManagerStore,
  DataSampleStore,
  ComputePlanStore,
  ComputeTaskStore,
  OutputAssetStore,
  ModelStore,
  PerformanceStore,
  FailureReportStore,
  EventStore,
  PageRequest,
  Page,
  FunctionFilter,
  PlanFilter,
  TaskFilter,
  DataSampleFilter,
  PerformanceFilter,
  EventFilter,
} from './dbal.js';
export { PageFill } from './pagefill.js';
export { composeSlices } from './compose.js';
