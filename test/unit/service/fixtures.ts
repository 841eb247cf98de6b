// Builders of valid requests for the service tests: lower-case UUIDs from a counter, 64-hex checksums, URLs.
import { create, type MessageInitShape } from '@bufbuild/protobuf';
import {
  AddressableSchema,
  AssetKind,
  ComputeTaskInputSchema,
  ErrorType,
  FailedAssetKind,
  FunctionInputSchema,
  FunctionOutputSchema,
  NewComputePlanSchema,
  NewComputeTaskOutputSchema,
  NewComputeTaskSchema,
  NewDataManagerSchema,
  NewDataSampleSchema,
  NewFailureReportSchema,
  NewFunctionSchema,
  NewModelSchema,
  NewPermissionsSchema,
  NewPerformanceSchema,
  type Addressable,
  type ComputeTaskInput,
  type NewComputePlan,
  type NewComputeTask,
  type NewComputeTaskOutput,
  type NewDataManager,
  type NewDataSample,
  type NewFailureReport,
  type NewFunction,
  type NewModel,
  type NewPerformance,
  type NewPermissions,
} from '../../../lib/asset/index.js';

export const ORG1 = 'MyOrg1MSP';
export const ORG2 = 'MyOrg2MSP';
export const ORG3 = 'MyOrg3MSP';
export const CHANNEL = 'mychannel';

let counter = 0;

/** A fresh lower-case UUID (v4 layout) from a process-wide counter. */
export function uuid(): string {
  counter++;
  return `00000000-0000-4000-8000-${counter.toString(16).padStart(12, '0')}`;
}

/** A fresh 64-hex checksum. */
export function checksum(): string {
  counter++;
  return counter.toString(16).padStart(64, 'a');
}

export function addressable(): Addressable {
  counter++;
  return create(AddressableSchema, {
    checksum: checksum(),
    storageAddress: `https://storage.example.com/obj/${counter}`,
  });
}

export type FunctionInputInit = MessageInitShape<typeof FunctionInputSchema>;
export type FunctionOutputInit = MessageInitShape<typeof FunctionOutputSchema>;

export const publicPerms = (...ids: string[]): NewPermissions =>
  create(NewPermissionsSchema, { public: true, authorizedIds: ids });
export const restrictedPerms = (...ids: string[]): NewPermissions =>
  create(NewPermissionsSchema, { public: false, authorizedIds: ids });

// Function inputs / outputs shorthand.
export const fin = {
  model: (o: { multiple?: boolean; optional?: boolean } = {}): FunctionInputInit => ({
    kind: AssetKind.ASSET_MODEL,
    multiple: !!o.multiple,
    optional: !!o.optional,
  }),
  samples: (o: { multiple?: boolean; optional?: boolean } = { multiple: true }): FunctionInputInit => ({
    kind: AssetKind.ASSET_DATA_SAMPLE,
    multiple: !!o.multiple,
    optional: !!o.optional,
  }),
  dataManager: (): FunctionInputInit => ({ kind: AssetKind.ASSET_DATA_MANAGER, multiple: false, optional: false }),
};
export const fout = {
  model: (o: { multiple?: boolean } = {}): FunctionOutputInit => ({
    kind: AssetKind.ASSET_MODEL,
    multiple: !!o.multiple,
  }),
  performance: (): FunctionOutputInit => ({ kind: AssetKind.ASSET_PERFORMANCE, multiple: false }),
};

export interface FunctionShape {
  inputs?: Record<string, FunctionInputInit>;
  outputs?: Record<string, FunctionOutputInit>;
}

/** Shapes used across the tests. */
export const shapes = {
  /** No input, one model output: tasks need an explicit worker. */
  root: (): FunctionShape => ({ outputs: { model: fout.model() } }),
  /** Consumes models of parents, produces a model. */
  chain: (): FunctionShape => ({
    inputs: { models: fin.model({ multiple: true, optional: true }) },
    outputs: { model: fout.model() },
  }),
  /** Trains on data: data manager + samples (+ optional model), produces a model. */
  train: (): FunctionShape => ({
    inputs: {
      opener: fin.dataManager(),
      datasamples: fin.samples({ multiple: true }),
      model: fin.model({ optional: true }),
    },
    outputs: { model: fout.model() },
  }),
  /** Evaluates a model: produces a performance. */
  test: (): FunctionShape => ({
    inputs: { model: fin.model() },
    outputs: { performance: fout.performance() },
  }),
};

export function newFunction(init: MessageInitShape<typeof NewFunctionSchema> & FunctionShape = {}): NewFunction {
  return create(NewFunctionSchema, {
    key: uuid(),
    name: 'function',
    description: addressable(),
    archive: addressable(),
    newPermissions: publicPerms(),
    metadata: {},
    inputs: {},
    outputs: { model: fout.model() },
    ...init,
  } as MessageInitShape<typeof NewFunctionSchema>);
}

export function newDataManager(init: MessageInitShape<typeof NewDataManagerSchema> = {}): NewDataManager {
  return create(NewDataManagerSchema, {
    key: uuid(),
    name: 'data manager',
    newPermissions: publicPerms(),
    description: addressable(),
    opener: addressable(),
    logsPermission: restrictedPerms(),
    metadata: {},
    ...init,
  });
}

export function newDataSample(
  dataManagerKeys: string[],
  init: MessageInitShape<typeof NewDataSampleSchema> = {},
): NewDataSample {
  return create(NewDataSampleSchema, { key: uuid(), dataManagerKeys, checksum: checksum(), ...init });
}

export function newPlan(init: MessageInitShape<typeof NewComputePlanSchema> = {}): NewComputePlan {
  return create(NewComputePlanSchema, { key: uuid(), name: 'plan', tag: 'tag', metadata: {}, ...init });
}

export const inp = {
  asset: (identifier: string, assetKey: string): ComputeTaskInput =>
    create(ComputeTaskInputSchema, { identifier, ref: { case: 'assetKey', value: assetKey } }),
  parent: (identifier: string, parentTaskKey: string, outputIdentifier = 'model'): ComputeTaskInput =>
    create(ComputeTaskInputSchema, {
      identifier,
      ref: { case: 'parentTaskOutput', value: { parentTaskKey, outputIdentifier } },
    }),
};

export function out(permissions: NewPermissions = publicPerms(), transient = false): NewComputeTaskOutput {
  return create(NewComputeTaskOutputSchema, { permissions, transient });
}

export interface TaskInit {
  key?: string;
  functionKey: string;
  computePlanKey: string;
  worker?: string;
  inputs?: ComputeTaskInput[];
  outputs?: Record<string, NewComputeTaskOutput>;
  metadata?: Record<string, string>;
}

export function newTask(init: TaskInit): NewComputeTask {
  return create(NewComputeTaskSchema, {
    key: init.key ?? uuid(),
    functionKey: init.functionKey,
    computePlanKey: init.computePlanKey,
    worker: init.worker ?? '',
    inputs: init.inputs ?? [],
    outputs: init.outputs ?? { model: out() },
    metadata: init.metadata ?? {},
  });
}

export function newModel(computeTaskKey: string, identifier = 'model', init: Partial<NewModel> = {}): NewModel {
  return create(NewModelSchema, {
    key: uuid(),
    computeTaskKey,
    computeTaskOutputIdentifier: identifier,
    address: addressable(),
    ...init,
  });
}

export function newPerformance(computeTaskKey: string, identifier = 'performance', value = 0.5): NewPerformance {
  return create(NewPerformanceSchema, {
    computeTaskKey,
    computeTaskOutputIdentifier: identifier,
    performanceValue: value,
  });
}

export function newFailureReport(
  assetKey: string,
  assetType: FailedAssetKind = FailedAssetKind.FAILED_ASSET_COMPUTE_TASK,
  errorType: ErrorType = ErrorType.EXECUTION,
): NewFailureReport {
  return create(NewFailureReportSchema, {
    assetKey,
    assetType,
    errorType,
    logsAddress: errorType === ErrorType.INTERNAL ? undefined : addressable(),
  });
}
