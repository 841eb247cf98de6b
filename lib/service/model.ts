import { create } from '@bufbuild/protobuf';
import {
  AddressableSchema,
  AssetKind,
  ComputeTaskStatus,
  EventKind,
  GetComputeTaskModelsResponseSchema,
  ModelSchema,
  PermissionsSchema,
  RegisterModelsParamSchema,
  RegisterModelsResponseSchema,
  type GetComputeTaskModelsParam,
  type GetComputeTaskModelsResponse,
  type GetModelParam,
  type Model,
  type NewModel,
  type RegisterModelsParam,
  type RegisterModelsResponse,
} from '../asset/index.js';
import {
  validateGetComputeTaskModelsParam,
  validateGetModelParam,
  validateRegisterModelsParam,
} from '../asset/validation/index.js';
import { badRequest, conflict, internal, notFound, OrcError, permissionDenied } from '../errors/index.js';
import { BaseService } from './base.js';
import { emitEvent } from './events.js';
import { recordOutputAsset } from './outputs.js';

export class ModelService extends BaseService {
  /** The deprecated single-model form of RegisterModels. */
  async registerModel(input: NewModel): Promise<Model> {
    const { models } = await this.registerModels(create(RegisterModelsParamSchema, { models: [input] }));
    const [model] = models;
    if (!model) throw internal('no model registered');
    return model;
  }

  async registerModels(param: RegisterModelsParam): Promise<RegisterModelsResponse> {
    validateRegisterModelsParam(param);
    const { dbal, requester, clock } = this.ctx;
    const taskKey = param.models[0]?.computeTaskKey ?? '';
    if (param.models.some((m) => m.computeTaskKey !== taskKey)) {
      throw badRequest('All models should be part of the same task');
    }
    const task = await this.provider.computeTask.load(taskKey);
    if (task.worker !== requester) throw permissionDenied('only the task worker can register its models');
    if (task.status !== ComputeTaskStatus.STATUS_EXECUTING) {
      throw badRequest(`cannot register model for task with status ${ComputeTaskStatus[task.status]}`);
    }
    const fn = await this.provider.function.load(task.functionKey);
    const registered = await dbal.countComputeTaskOutputAssets(task.key);

    const models: Model[] = [];
    for (const input of param.models) {
      const identifier = input.computeTaskOutputIdentifier;
      const output = task.outputs[identifier];
      if (!output) throw new OrcError('MissingTaskOutput', `compute task "${task.key}" has no output "${identifier}"`);
      const declared = fn.outputs[identifier];
      if (!declared) throw internal(`function "${fn.key}" does not declare output "${identifier}"`);
      if (declared.kind !== AssetKind.ASSET_MODEL) {
        throw new OrcError('IncompatibleKind', `output "${identifier}" of compute task "${task.key}" is not a model`);
      }
      const count = registered.get(identifier) ?? 0;
      if (!declared.multiple && count >= 1) {
        throw new OrcError(
          'Conflict',
          `compute task "${task.key}" already has its unique output "${identifier}" registered`,
        );
      }
      if (await dbal.getModel(input.key)) throw conflict('model', input.key);

      const model = create(ModelSchema, {
        key: input.key,
        computeTaskKey: task.key,
        address: create(AddressableSchema, input.address),
        permissions: create(PermissionsSchema, output.permissions),
        owner: requester,
        creationDate: clock.now(),
      });
      await dbal.addModel(model);
      emitEvent(this.ctx, EventKind.EVENT_ASSET_CREATED, 'model', model.key, model);
      await recordOutputAsset(this.ctx, task, identifier, AssetKind.ASSET_MODEL, model.key);
      registered.set(identifier, count + 1);
      models.push(model);
    }
    return create(RegisterModelsResponseSchema, { models });
  }

  async getModel(param: GetModelParam): Promise<Model> {
    validateGetModelParam(param);
    return this.load(param.key);
  }

  async load(key: string): Promise<Model> {
    const model = await this.ctx.dbal.getModel(key);
    if (!model) throw notFound('model', key);
    return model;
  }

  async getComputeTaskOutputModels(param: GetComputeTaskModelsParam): Promise<GetComputeTaskModelsResponse> {
    validateGetComputeTaskModelsParam(param);
    const models = await this.ctx.dbal.getComputeTaskOutputModels(param.computeTaskKey);
    return create(GetComputeTaskModelsResponseSchema, { models });
  }
}
