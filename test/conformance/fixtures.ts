// Builders for valid inputs and small helpers that bring assets to a given state through the API. Every key is a fresh
// UUID, so scenarios never collide on a shared (or long-lived) target.
import { randomBytes, randomUUID } from 'node:crypto';
import type { DescMessage, Message, MessageInitShape } from '@bufbuild/protobuf';
import {
  AssetKind,
  ComputeTaskAction,
  FunctionAction,
  type ComputePlan,
  type ComputeTask,
  type DataManager,
  type DataSample,
  type Function as OrcFunction,
  type NewComputeTaskSchema,
  type NewDataManagerSchema,
  type NewFunctionSchema,
  type NewPermissionsSchema,
} from '../../lib/asset/index.js';
import type { OrchestratorClient } from '../support/client.js';

/** The plain-object form of a message initializer (what `create()` accepts), so fixtures can be spread and edited. */
export type Init<D extends DescMessage> = Exclude<MessageInitShape<D>, Message>;

export const key = (): string => randomUUID();

/** 64 lower-case hex characters, as Substra's checksums. */
export const checksum = (): string => randomBytes(32).toString('hex');

/** A fresh storage address: Substra stores addresses in a table keyed by address, so they are never reused. */
export const addressable = (): { checksum: string; storageAddress: string } => ({
  checksum: checksum(),
  storageAddress: `http://storage.example.com/${randomUUID()}`,
});

export type NewPermissionsInit = Init<typeof NewPermissionsSchema>;
export const publicPermissions = (): NewPermissionsInit => ({ public: true, authorizedIds: [] });
export const restrictedTo = (...ids: string[]): NewPermissionsInit => ({ public: false, authorizedIds: ids });

/** Function shapes of a typical federated-learning plan (the identifiers are those of Substra's e2e suite). */
export type FunctionShape = 'train' | 'aggregate' | 'predict' | 'metrics' | 'model-only';

const I = {
  datasamples: { kind: AssetKind.ASSET_DATA_SAMPLE, multiple: true, optional: false },
  opener: { kind: AssetKind.ASSET_DATA_MANAGER, multiple: false, optional: false },
  model: { kind: AssetKind.ASSET_MODEL, multiple: false, optional: false },
  optionalModels: { kind: AssetKind.ASSET_MODEL, multiple: true, optional: true },
  models: { kind: AssetKind.ASSET_MODEL, multiple: true, optional: false },
};
const O = {
  model: { kind: AssetKind.ASSET_MODEL, multiple: false },
  performance: { kind: AssetKind.ASSET_PERFORMANCE, multiple: false },
};

export const functionShapes = {
  // Trains on data, optionally from earlier models.
  train: {
    inputs: { datasamples: I.datasamples, opener: I.opener, models: I.optionalModels },
    outputs: { model: O.model },
  },
  // Averages models, no data: runs wherever the plan says (explicit worker).
  aggregate: { inputs: { models: I.models }, outputs: { model: O.model } },
  // Scores a model on data.
  predict: {
    inputs: { datasamples: I.datasamples, opener: I.opener, model: I.model },
    outputs: { performance: O.performance },
  },
  // Two performance outputs, for performance queries.
  metrics: {
    inputs: { model: I.model },
    outputs: { accuracy: O.performance, loss: O.performance, auc: O.performance },
  },
  // Produces a model from nothing (a seed): no data input, explicit worker.
  'model-only': { inputs: {}, outputs: { model: O.model } },
} as const satisfies Record<FunctionShape, Pick<Init<typeof NewFunctionSchema>, 'inputs' | 'outputs'>>;

export function newFunction(
  shape: FunctionShape = 'train',
  overrides: Init<typeof NewFunctionSchema> = {},
): Init<typeof NewFunctionSchema> {
  return {
    key: key(),
    name: `${shape} function`,
    description: addressable(),
    archive: addressable(),
    newPermissions: publicPermissions(),
    metadata: { framework: 'torch' },
    inputs: { ...functionShapes[shape].inputs },
    outputs: { ...functionShapes[shape].outputs },
    ...overrides,
  };
}

export function newDataManager(overrides: Init<typeof NewDataManagerSchema> = {}): Init<typeof NewDataManagerSchema> {
  return {
    key: key(),
    name: 'data manager',
    newPermissions: publicPermissions(),
    description: addressable(),
    opener: addressable(),
    logsPermission: publicPermissions(),
    metadata: { source: 'conformance' },
    ...overrides,
  };
}

/** Registers a function and, unless `ready: false`, builds it (WAITING → BUILDING → READY). */
export async function setupFunction(
  client: OrchestratorClient,
  shape: FunctionShape = 'train',
  options: { ready?: boolean; overrides?: Init<typeof NewFunctionSchema> } = {},
): Promise<OrcFunction> {
  const fn = await client.function.registerFunction(newFunction(shape, options.overrides));
  if (options.ready === false) return fn;
  await client.function.applyFunctionAction({ functionKey: fn.key, action: FunctionAction.BUILDING });
  await client.function.applyFunctionAction({ functionKey: fn.key, action: FunctionAction.READY });
  return client.function.getFunction({ key: fn.key });
}

export interface Dataset {
  dataManager: DataManager;
  samples: DataSample[];
  sampleKeys: string[];
}

/** A data manager of `client`'s organization and `samples` samples linked to it. */
export async function setupDataset(
  client: OrchestratorClient,
  options: { samples?: number; overrides?: Init<typeof NewDataManagerSchema> } = {},
): Promise<Dataset> {
  const dataManager = await client.dataManager.registerDataManager(newDataManager(options.overrides));
  const count = options.samples ?? 2;
  const samples =
    count === 0
      ? []
      : (
          await client.dataSample.registerDataSamples({
            samples: Array.from({ length: count }, () => ({
              key: key(),
              dataManagerKeys: [dataManager.key],
              checksum: checksum(),
            })),
          })
        ).dataSamples;
  return { dataManager, samples, sampleKeys: samples.map((s) => s.key) };
}

export async function setupPlan(client: OrchestratorClient, name = 'conformance plan'): Promise<ComputePlan> {
  return client.plan.registerPlan({ key: key(), name, tag: 'conformance', metadata: { purpose: 'test' } });
}

type NewTaskInit = Init<typeof NewComputeTaskSchema>;
type OutputsInit = NonNullable<NewTaskInit['outputs']>;

export const parentOutput = (identifier: string, parentTaskKey: string, outputIdentifier = 'model') => ({
  identifier,
  ref: { case: 'parentTaskOutput' as const, value: { parentTaskKey, outputIdentifier } },
});

export const assetInput = (identifier: string, assetKey: string) => ({
  identifier,
  ref: { case: 'assetKey' as const, value: assetKey },
});

export function modelOutput(options: { transient?: boolean; permissions?: NewPermissionsInit } = {}): OutputsInit {
  return { model: { permissions: options.permissions ?? publicPermissions(), transient: options.transient ?? false } };
}

/** A train task on `dataset`, optionally from parent models. */
export function trainTask(options: {
  plan: ComputePlan;
  fn: OrcFunction;
  dataset: Dataset;
  parents?: string[];
  transient?: boolean;
  key?: string;
  worker?: string;
  outputPermissions?: NewPermissionsInit;
  metadata?: Record<string, string>;
}): NewTaskInit {
  return {
    key: options.key ?? key(),
    functionKey: options.fn.key,
    computePlanKey: options.plan.key,
    worker: options.worker ?? '',
    metadata: options.metadata ?? { round: '1' },
    inputs: [
      assetInput('opener', options.dataset.dataManager.key),
      ...options.dataset.sampleKeys.map((k) => assetInput('datasamples', k)),
      ...(options.parents ?? []).map((p) => parentOutput('models', p)),
    ],
    outputs: modelOutput({ transient: options.transient, permissions: options.outputPermissions }),
  };
}

/** An aggregate task over parents' models, run by `worker`. */
export function aggregateTask(options: {
  plan: ComputePlan;
  fn: OrcFunction;
  parents: string[];
  worker: string;
  key?: string;
  transient?: boolean;
}): NewTaskInit {
  return {
    key: options.key ?? key(),
    functionKey: options.fn.key,
    computePlanKey: options.plan.key,
    worker: options.worker,
    inputs: options.parents.map((p) => parentOutput('models', p)),
    outputs: modelOutput({ transient: options.transient }),
  };
}

/** A predict task scoring a parent's model on `dataset`. */
export function predictTask(options: {
  plan: ComputePlan;
  fn: OrcFunction;
  dataset: Dataset;
  parent: string;
  key?: string;
}): NewTaskInit {
  return {
    key: options.key ?? key(),
    functionKey: options.fn.key,
    computePlanKey: options.plan.key,
    inputs: [
      assetInput('opener', options.dataset.dataManager.key),
      ...options.dataset.sampleKeys.map((k) => assetInput('datasamples', k)),
      parentOutput('model', options.parent),
    ],
    outputs: { performance: { permissions: publicPermissions(), transient: false } },
  };
}

/** A task with no input producing one model, run by `worker` (the cheapest runnable task). */
export function seedTask(options: {
  plan: ComputePlan;
  fn: OrcFunction;
  worker: string;
  key?: string;
  transient?: boolean;
  metadata?: Record<string, string>;
}): NewTaskInit {
  return {
    key: options.key ?? key(),
    functionKey: options.fn.key,
    computePlanKey: options.plan.key,
    worker: options.worker,
    metadata: options.metadata ?? {},
    inputs: [],
    outputs: modelOutput({ transient: options.transient }),
  };
}

export async function registerTask(client: OrchestratorClient, task: NewTaskInit): Promise<ComputeTask> {
  const { tasks } = await client.task.registerTasks({ tasks: [task] });
  const [registered] = tasks;
  if (!registered) throw new Error('RegisterTasks returned no task');
  return registered;
}

export async function startTask(worker: OrchestratorClient, taskKey: string, log = 'started'): Promise<void> {
  await worker.task.applyTaskAction({ computeTaskKey: taskKey, action: ComputeTaskAction.TASK_ACTION_EXECUTING, log });
}

export async function finishTask(worker: OrchestratorClient, taskKey: string, log = 'done'): Promise<void> {
  await worker.task.applyTaskAction({ computeTaskKey: taskKey, action: ComputeTaskAction.TASK_ACTION_DONE, log });
}

/** Registers one model on the task's `model` output (the task must be EXECUTING). */
export async function registerModel(worker: OrchestratorClient, taskKey: string, identifier = 'model') {
  const { models } = await worker.model.registerModels({
    models: [{ key: key(), computeTaskKey: taskKey, computeTaskOutputIdentifier: identifier, address: addressable() }],
  });
  const [model] = models;
  if (!model) throw new Error('RegisterModels returned no model');
  return model;
}

/** Runs a task to DONE with one model on its `model` output. */
export async function completeWithModel(worker: OrchestratorClient, taskKey: string) {
  await startTask(worker, taskKey);
  const model = await registerModel(worker, taskKey);
  await finishTask(worker, taskKey);
  return model;
}

/**
 * Everything a task scenario needs: functions (ready), a dataset per organization (the worker's data may be
 * processed by the owner's tasks) and a fresh plan of the owner.
 */
export interface Bench {
  owner: OrchestratorClient;
  worker: OrchestratorClient;
  train: OrcFunction;
  aggregate: OrcFunction;
  predict: OrcFunction;
  modelOnly: OrcFunction;
  ownerData: Dataset;
  workerData: Dataset;
  plan: ComputePlan;
}

export async function setupBench(owner: OrchestratorClient, worker: OrchestratorClient): Promise<Bench> {
  // Sequential on purpose: parallel writers are the concurrency area's subject, not every area's set-up.
  const train = await setupFunction(owner, 'train');
  const aggregate = await setupFunction(owner, 'aggregate');
  const predict = await setupFunction(owner, 'predict');
  const modelOnly = await setupFunction(owner, 'model-only');
  const ownerData = await setupDataset(owner);
  const workerData = await setupDataset(worker);
  const plan = await setupPlan(owner);
  return { owner, worker, train, aggregate, predict, modelOnly, ownerData, workerData, plan };
}

/** A new plan on an existing bench (functions and data are reusable across plans). */
export async function withNewPlan(bench: Bench): Promise<Bench> {
  return { ...bench, plan: await setupPlan(bench.owner) };
}
