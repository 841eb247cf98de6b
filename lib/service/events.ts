import { clone, create, type DescMessage, type MessageShape } from '@bufbuild/protobuf';
import {
  AssetKind,
  ComputePlanSchema,
  ComputeTaskOutputAssetSchema,
  ComputeTaskSchema,
  DataManagerSchema,
  DataSampleSchema,
  EventKind,
  EventSchema,
  FailureReportSchema,
  FunctionSchema,
  ModelSchema,
  OrganizationSchema,
  PerformanceSchema,
  ProfilingStepSchema,
  type Event,
} from '../asset/index.js';
import type { ServiceContext } from './context.js';

type EventAsset = Event['asset'];
type AssetCase = NonNullable<EventAsset['case']>;

/** Each event payload kind: its schema (to snapshot the asset) and its AssetKind. */
const payloads = {
  function: { schema: FunctionSchema, kind: AssetKind.ASSET_FUNCTION },
  computePlan: { schema: ComputePlanSchema, kind: AssetKind.ASSET_COMPUTE_PLAN },
  computeTask: { schema: ComputeTaskSchema, kind: AssetKind.ASSET_COMPUTE_TASK },
  dataManager: { schema: DataManagerSchema, kind: AssetKind.ASSET_DATA_MANAGER },
  dataSample: { schema: DataSampleSchema, kind: AssetKind.ASSET_DATA_SAMPLE },
  failureReport: { schema: FailureReportSchema, kind: AssetKind.ASSET_FAILURE_REPORT },
  model: { schema: ModelSchema, kind: AssetKind.ASSET_MODEL },
  organization: { schema: OrganizationSchema, kind: AssetKind.ASSET_ORGANIZATION },
  performance: { schema: PerformanceSchema, kind: AssetKind.ASSET_PERFORMANCE },
  computeTaskOutputAsset: { schema: ComputeTaskOutputAssetSchema, kind: AssetKind.ASSET_COMPUTE_TASK_OUTPUT_ASSET },
  profilingStep: { schema: ProfilingStepSchema, kind: AssetKind.ASSET_PROFILING_STEP },
} as const satisfies { [C in AssetCase]: { schema: DescMessage; kind: AssetKind } };

type PayloadOf<C extends AssetCase> = MessageShape<(typeof payloads)[C]['schema']>;

/**
 * Emits one event whose payload is a snapshot of `asset` now: later changes to the object within the same request
 * must not alter what the event says.
 */
export function emitEvent<C extends AssetCase>(
  ctx: ServiceContext,
  eventKind: EventKind,
  assetCase: C,
  assetKey: string,
  asset: PayloadOf<C>,
  metadata: Record<string, string> = {},
): void {
  const { schema, kind } = payloads[assetCase];
  const snapshot = clone(schema as DescMessage, asset as MessageShape<DescMessage>);
  ctx.events.emit(
    create(EventSchema, {
      assetKey,
      assetKind: kind,
      eventKind,
      timestamp: ctx.clock.now(),
      asset: { case: assetCase, value: snapshot } as EventAsset,
      metadata,
    }),
  );
}

export { EventKind };
