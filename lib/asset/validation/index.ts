// One validator per input message; each throws an OrcError InvalidAsset (OE0101) listing every violated rule.
export { validateKey } from './keys.js';
export { rejectNulCharacters } from './nul.js';
export { isUuid, type AssetName } from './rules.js';
export { isRequestURL, isURL } from './url.js';
export {
  validateApplyFunctionActionParam,
  validateGetFunctionParam,
  validateNewFunction,
  validateQueryFunctionsParam,
  validateUpdateFunctionParam,
} from './function.js';
export {
  validateGetDataManagerParam,
  validateGetDatasetParam,
  validateNewDataManager,
  validateUpdateDataManagerParam,
} from './datamanager.js';
export {
  validateGetDataSampleParam,
  validateNewDataSample,
  validateQueryDataSamplesParam,
  validateRegisterDataSamplesParam,
  validateUpdateDataSamplesParam,
} from './datasample.js';
export {
  validateApplyPlanActionParam,
  validateGetComputePlanParam,
  validateIsPlanRunningParam,
  validateNewComputePlan,
  validateUpdateComputePlanParam,
} from './computeplan.js';
export {
  validateApplyTaskActionParam,
  validateDisableOutputParam,
  validateGetTaskInputAssetsParam,
  validateGetTaskParam,
  validateNewComputeTask,
  validateQueryTasksParam,
  validateRegisterTasksParam,
} from './computetask.js';
export {
  validateGetComputeTaskModelsParam,
  validateGetModelParam,
  validateNewModel,
  validateRegisterModelsParam,
} from './model.js';
export { validateNewPerformance, validateQueryPerformancesParam } from './performance.js';
export { validateGetFailureReportParam, validateNewFailureReport } from './failurereport.js';
export { validateProfilingStep } from './profiling.js';
export { validateRegisterOrganizationParam } from './organization.js';
export { eventIdKind, validateQueryEventsParam } from './event.js';
