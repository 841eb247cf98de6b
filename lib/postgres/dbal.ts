import { composeSlices, type DBAL } from '../persistence/index.js';
import { orcErrorsFrom } from './errors.js';
import type { Queryable } from './sql.js';
import { dataManagerStore } from './store/datamanagers.js';
import { dataSampleStore } from './store/datasamples.js';
import { eventStore } from './store/events.js';
import { failureReportStore } from './store/failures.js';
import { functionStore } from './store/functions.js';
import { modelStore } from './store/models.js';
import { organizationStore } from './store/organizations.js';
import { outputAssetStore } from './store/outputs.js';
import { performanceStore } from './store/performances.js';
import { computePlanStore } from './store/plans.js';
import { computeTaskStore } from './store/tasks.js';

/**
 * The DBAL over SQL, bound to one transaction (a Queryable from runInTransaction) and one channel, composed of the
 * per-asset slices of store/ (see DBAL). Database errors leave it as OrcErrors (errors.ts).
 */
export function postgresDBAL(q: Queryable, channel: string): DBAL {
  const ctx = { q: orcErrorsFrom(q), channel };
  return composeSlices(
    organizationStore(ctx),
    functionStore(ctx),
    dataManagerStore(ctx),
    dataSampleStore(ctx),
    computePlanStore(ctx),
    computeTaskStore(ctx),
    outputAssetStore(ctx),
    modelStore(ctx),
    performanceStore(ctx),
    failureReportStore(ctx),
    eventStore(ctx),
  );
}
