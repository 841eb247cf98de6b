import { create } from '@bufbuild/protobuf';
import {
  AssetKind,
  ComputeTaskOutputSchema,
  ComputeTaskSchema,
  ComputeTaskStatus,
  PermissionSchema,
  type ComputeTask,
  type ComputeTaskInput,
  type ComputeTaskOutput,
  type DataManager,
  type Function as OrcFunction,
  type NewComputeTask,
  type Permission,
} from '../../asset/index.js';
import { badRequest, invalidAsset, OrcError, permissionDenied } from '../../errors/index.js';
import type { Provider } from '../provider.js';
import { canProcess, createPermissions, union } from '../permissions.js';
import { initialTaskStatus } from './initialstatus.js';
import type { RegistrationLookups } from './lookups.js';
import { parentKeys } from './parents.js';

/**
 * Turns one validated NewComputeTask into a ComputeTask, checking it against its plan, function, parents and data
 * (substra-behaviour §2.7 step 5). Parents must already be in `lookups.tasks`.
 */
export async function buildTask(
  input: NewComputeTask,
  provider: Provider,
  lookups: RegistrationLookups,
): Promise<ComputeTask> {
  const ctx = provider.ctx;
  const owner = ctx.requester;

  const plan = await lookups.plan(input.computePlanKey);
  if (plan.owner !== owner) throw permissionDenied("Cannot register tasks to a compute plan you don't own");

  const parents = parentKeys(input)
    .map((key) => lookups.tasks.get(key))
    .filter((t) => t !== undefined);
  const fn = await lookups.function(input.functionKey);
  if (!canProcess(fn.permissions, owner)) throw permissionDenied(`not authorized to process function "${fn.key}"`);

  const status = initialTaskStatus(fn.status, parents);
  for (const parent of parents) {
    if (parent.status !== ComputeTaskStatus.STATUS_DONE) continue;
    const disabled = (await lookups.taskModels(parent.key)).find((m) => m.address === undefined);
    if (disabled) throw invalidAsset(`Model "${disabled.key}" has been disabled`);
  }

  const outputs: Record<string, ComputeTaskOutput> = {};
  for (const identifier of Object.keys(input.outputs).sort()) {
    const output = input.outputs[identifier];
    outputs[identifier] = create(ComputeTaskOutputSchema, {
      permissions: await createPermissions(ctx, owner, output?.permissions),
      transient: output?.transient ?? false,
    });
  }

  const dataManager = await dataManagerInput(input, fn, lookups);
  const worker = dataManager ? dataManager.owner : input.worker;
  if (dataManager && input.worker && input.worker !== dataManager.owner) {
    throw badRequest(`Specified worker "${input.worker}" does not match data manager owner "${dataManager.owner}"`);
  }
  if (!worker) throw badRequest('Worker cannot be inferred and must be explicitly set');
  await lookups.requireOrganization(worker);

  const logsPermission = dataManager?.logsPermission
    ? create(PermissionSchema, dataManager.logsPermission)
    : parents.reduce<Permission>(
        (acc, parent) => (parent.logsPermission ? union(acc, parent.logsPermission) : acc),
        create(PermissionSchema, { public: false, authorizedIds: [owner] }),
      );

  const rank = parents.length === 0 ? 0 : Math.max(...parents.map((p) => p.rank)) + 1;

  await checkInputs(input.inputs, fn, worker, owner, provider, lookups);
  checkOutputs(input, fn);

  return create(ComputeTaskSchema, {
    key: input.key,
    owner,
    computePlanKey: plan.key,
    rank,
    status,
    worker,
    creationDate: ctx.clock.now(),
    logsPermission,
    metadata: input.metadata,
    inputs: input.inputs,
    outputs,
    functionKey: fn.key,
  });
}

/** The data manager a task reads, when its function takes one; it decides the worker and the logs permission. */
async function dataManagerInput(
  input: NewComputeTask,
  fn: OrcFunction,
  lookups: RegistrationLookups,
): Promise<DataManager | undefined> {
  const identifier = Object.keys(fn.inputs)
    .sort()
    .find((id) => fn.inputs[id]?.kind === AssetKind.ASSET_DATA_MANAGER);
  if (identifier === undefined) return undefined;
  const taskInput = input.inputs.find((i) => i.identifier === identifier);
  if (!taskInput) return undefined; // reported as a missing input by checkInputs
  if (taskInput.ref.case !== 'assetKey') {
    throw invalidAsset(`task input "${identifier}": a data manager must be referenced by asset key`);
  }
  return lookups.dataManager(taskInput.ref.value);
}

async function checkInputs(
  inputs: readonly ComputeTaskInput[],
  fn: OrcFunction,
  worker: string,
  owner: string,
  provider: Provider,
  lookups: RegistrationLookups,
): Promise<void> {
  const seen = new Set<string>();
  const sampleKeys: string[] = [];
  let dataManager: DataManager | undefined;

  for (const input of inputs) {
    const declared = fn.inputs[input.identifier];
    if (!declared) throw invalidAsset(`unknown task input "${input.identifier}": not declared by the function`);
    if (seen.has(input.identifier) && !declared.multiple) {
      throw invalidAsset(`duplicate task input "${input.identifier}": the function input is not multiple`);
    }
    seen.add(input.identifier);

    if (input.ref.case === 'assetKey') {
      const key = input.ref.value;
      switch (declared.kind) {
        case AssetKind.ASSET_DATA_SAMPLE:
          sampleKeys.push(key);
          break;
        case AssetKind.ASSET_DATA_MANAGER:
          dataManager = await lookups.dataManager(key);
          break;
        case AssetKind.ASSET_MODEL: {
          const model = await provider.model.load(key);
          if (!canProcess(model.permissions, worker)) {
            throw permissionDenied(`worker "${worker}" is not authorized to process model "${key}"`);
          }
          break;
        }
        default:
          throw new OrcError('Unimplemented', `task input "${input.identifier}": unsupported asset kind`);
      }
      continue;
    }

    if (input.ref.case === 'parentTaskOutput') {
      const { parentTaskKey, outputIdentifier } = input.ref.value;
      const parent = lookups.tasks.get(parentTaskKey);
      if (!parent) throw invalidAsset(`parent task key "${parentTaskKey}" not found`);
      const parentFn = await lookups.function(parent.functionKey);
      const produced = parentFn.outputs[outputIdentifier];
      if (!produced) {
        throw invalidAsset(`parent task "${parentTaskKey}" has no output "${outputIdentifier}" in its function`);
      }
      if (produced.kind !== declared.kind) {
        throw invalidAsset(`mismatching task input asset kinds for input "${input.identifier}"`);
      }
      if (produced.multiple && !declared.multiple) {
        throw invalidAsset(`task input "${input.identifier}" is not multiple but output "${outputIdentifier}" is`);
      }
      const parentOutput = parent.outputs[outputIdentifier];
      if (!parentOutput)
        throw invalidAsset(`parent task "${parentTaskKey}" does not declare output "${outputIdentifier}"`);
      if (!canProcess(parentOutput.permissions, worker)) {
        throw permissionDenied(
          `worker "${worker}" is not authorized to process output "${outputIdentifier}" of task "${parentTaskKey}"`,
        );
      }
    }
  }

  for (const identifier of Object.keys(fn.inputs).sort()) {
    if (!fn.inputs[identifier]?.optional && !seen.has(identifier)) {
      throw invalidAsset(`missing task input "${identifier}"`);
    }
  }
  if (dataManager) await provider.dataManager.checkUsableBy(dataManager, sampleKeys, owner);
}

function checkOutputs(input: NewComputeTask, fn: OrcFunction): void {
  for (const identifier of Object.keys(input.outputs).sort()) {
    const declared = fn.outputs[identifier];
    if (!declared) throw invalidAsset(`unknown task output "${identifier}": not declared by the function`);
    const output = input.outputs[identifier];
    if (declared.kind === AssetKind.ASSET_PERFORMANCE && (!output?.permissions?.public || output.transient)) {
      throw invalidAsset(`task output "${identifier}": a performance must be public and not transient`);
    }
  }
  for (const identifier of Object.keys(fn.outputs).sort()) {
    if (!(identifier in input.outputs)) throw invalidAsset(`missing task output "${identifier}"`);
  }
}
