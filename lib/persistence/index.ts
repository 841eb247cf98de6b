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
export { PageFill, MAX_PAGE_BYTES } from './pagefill.js';
