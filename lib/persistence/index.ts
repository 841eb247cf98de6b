export type {
  DBAL,
  PageRequest,
  Page,
  FunctionFilter,
  PlanFilter,
  TaskFilter,
  DataSampleFilter,
  PerformanceFilter,
  EventFilter,
} from './dbal.js';
