import { create } from '@bufbuild/protobuf';
import {
  DataManagerSchema,
  EventKind,
  QueryDataManagersResponseSchema,
  UpdateDataManagerResponseSchema,
  type DataManager,
  type GetDataManagerParam,
  type NewDataManager,
  type QueryDataManagersParam,
  type QueryDataManagersResponse,
  type UpdateDataManagerParam,
  type UpdateDataManagerResponse,
} from '../asset/index.js';
import {
  validateGetDataManagerParam,
  validateNewDataManager,
  validateUpdateDataManagerParam,
} from '../asset/validation/index.js';
import { conflict, invalidAsset, notFound, permissionDenied } from '../errors/index.js';
import { BaseService } from './base.js';
import { emitEvent } from './events.js';
import { pageRequest } from './paging.js';
import { canProcess, createPermission, createPermissions } from './permissions.js';

export class DataManagerService extends BaseService {
  async registerDataManager(input: NewDataManager): Promise<DataManager> {
    validateNewDataManager(input);
    await this.provider.organization.requireRegisteredRequester();
    const { dbal, requester, clock } = this.ctx;
    if (await dbal.getDataManager(input.key)) throw conflict('datamanager', input.key);
    const dm = create(DataManagerSchema, {
      key: input.key,
      name: input.name,
      owner: requester,
      permissions: await createPermissions(this.ctx, requester, input.newPermissions),
      description: input.description,
      opener: input.opener,
      creationDate: clock.now(),
      logsPermission: await createPermission(this.ctx, requester, input.logsPermission),
      metadata: input.metadata,
    });
    await dbal.addDataManager(dm);
    emitEvent(this.ctx, EventKind.EVENT_ASSET_CREATED, 'dataManager', dm.key, dm);
    return dm;
  }

  async getDataManager(param: GetDataManagerParam): Promise<DataManager> {
    validateGetDataManagerParam(param);
    return this.load(param.key);
  }

  async load(key: string): Promise<DataManager> {
    const dm = await this.ctx.dbal.getDataManager(key);
    if (!dm) throw notFound('datamanager', key);
    return dm;
  }

  async queryDataManagers(param: QueryDataManagersParam): Promise<QueryDataManagersResponse> {
    const page = await this.ctx.dbal.queryDataManagers(pageRequest(param.pageToken, param.pageSize, DataManagerSchema));
    return create(QueryDataManagersResponseSchema, { dataManagers: page.items, nextPageToken: page.nextToken });
  }

  async updateDataManager(param: UpdateDataManagerParam): Promise<UpdateDataManagerResponse> {
    validateUpdateDataManagerParam(param);
    const dm = await this.load(param.key);
    if (dm.owner !== this.ctx.requester) throw permissionDenied('requester does not own the data manager');
    dm.name = param.name;
    await this.ctx.dbal.updateDataManager(dm);
    emitEvent(this.ctx, EventKind.EVENT_ASSET_UPDATED, 'dataManager', dm.key, dm);
    return create(UpdateDataManagerResponseSchema);
  }

  /** Every data manager must exist and belong to the requester (linking samples to it is the owner's right). */
  async checkOwner(keys: readonly string[]): Promise<void> {
    const unique = [...new Set(keys)];
    if (unique.length === 0) return;
    const found = new Map((await this.ctx.dbal.getDataManagers(unique)).map((dm) => [dm.key, dm]));
    for (const key of unique) {
      const dm = found.get(key);
      if (!dm) throw notFound('datamanager', key);
      if (dm.owner !== this.ctx.requester) throw permissionDenied(`requester does not own the datamanager "${key}"`);
    }
  }

  /** A task may use a data manager only if its owner may process it and every sample belongs to it. */
  async checkUsableBy(dm: DataManager, sampleKeys: readonly string[], organization: string): Promise<void> {
    if (!canProcess(dm.permissions, organization)) {
      throw permissionDenied(`not authorized to process datamanager "${dm.key}"`);
    }
    const samples = new Map((await this.ctx.dbal.getDataSamples([...new Set(sampleKeys)])).map((s) => [s.key, s]));
    for (const key of sampleKeys) {
      const sample = samples.get(key);
      if (!sample) throw notFound('datasample', key);
      if (!sample.dataManagerKeys.includes(dm.key)) {
        throw invalidAsset(`datasamples do not share a common manager: "${key}" is not linked to "${dm.key}"`);
      }
    }
  }
}
