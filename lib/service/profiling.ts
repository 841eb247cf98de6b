import { create } from '@bufbuild/protobuf';
import { EmptySchema, type Empty } from '@bufbuild/protobuf/wkt';
import { EventKind, type ProfilingStep } from '../asset/index.js';
import { validateProfilingStep } from '../asset/validation/index.js';
import { BaseService } from './base.js';
import { emitEvent } from './events.js';

/** Profiling steps are not stored: they only exist as events for the backends' dashboards. */
export class ProfilingService extends BaseService {
  registerProfilingStep(step: ProfilingStep): Promise<Empty> {
    validateProfilingStep(step);
    emitEvent(this.ctx, EventKind.EVENT_ASSET_CREATED, 'profilingStep', step.assetKey, step);
    return Promise.resolve(create(EmptySchema));
  }
}
