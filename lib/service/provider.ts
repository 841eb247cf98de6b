import type { ServiceContext } from './context.js';
import { ComputePlanService } from './computeplan.js';
import { ComputeTaskService } from './computetask/service.js';
import { DataManagerService } from './datamanager.js';
import { DataSampleService } from './datasample.js';
import { DatasetService } from './dataset.js';
import { EventService } from './event.js';
import { FailureReportService } from './failurereport.js';
import { FunctionService } from './function.js';
import { InfoService } from './info.js';
import { ModelService } from './model.js';
import { OrganizationService } from './organization.js';
import { PerformanceService } from './performance.js';
import { ProfilingService } from './profiling.js';

/** The services of one request, sharing its storage, clock, event sink and caller. */
export class Provider {
  readonly organization = new OrganizationService(this);
  readonly function = new FunctionService(this);
  readonly dataManager = new DataManagerService(this);
  readonly dataSample = new DataSampleService(this);
  readonly dataset = new DatasetService(this);
  readonly computePlan = new ComputePlanService(this);
  readonly computeTask = new ComputeTaskService(this);
  readonly model = new ModelService(this);
  readonly performance = new PerformanceService(this);
  readonly failureReport = new FailureReportService(this);
  readonly profiling = new ProfilingService(this);
  readonly event = new EventService(this);
  readonly info = new InfoService(this);

  constructor(readonly ctx: ServiceContext) {}
}
