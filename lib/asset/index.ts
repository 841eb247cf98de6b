// The wire types of package `orchestrator`, generated from proto/ by `npm run generate`.
export * from './gen/common_pb.js';
export * from './gen/computeplan_pb.js';
export * from './gen/computetask_pb.js';
export * from './gen/datamanager_pb.js';
export * from './gen/datasample_pb.js';
export * from './gen/dataset_pb.js';
export * from './gen/event_pb.js';
export * from './gen/failure_report_pb.js';
export * from './gen/function_pb.js';
export * from './gen/info_pb.js';
export * from './gen/model_pb.js';
export * from './gen/organization_pb.js';
export * from './gen/performance_pb.js';
export * from './gen/profiling_pb.js';
