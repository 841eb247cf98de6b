import { create } from '@bufbuild/protobuf';
import {
  DataSampleSchema,
  EventKind,
  QueryDataSamplesResponseSchema,
  RegisterDataSamplesResponseSchema,
  UpdateDataSamplesResponseSchema,
  type DataSample,
  type GetDataSampleParam,
  type QueryDataSamplesParam,
  type QueryDataSamplesResponse,
  type RegisterDataSamplesParam,
  type RegisterDataSamplesResponse,
  type UpdateDataSamplesParam,
  type UpdateDataSamplesResponse,
} from '../asset/index.js';
import {
  validateGetDataSampleParam,
  validateQueryDataSamplesParam,
  validateRegisterDataSamplesParam,
  validateUpdateDataSamplesParam,
} from '../asset/validation/index.js';
import { conflict, notFound, permissionDenied } from '../errors/index.js';
import { BaseService } from './base.js';
import { emitEvent } from './events.js';
import { pageRequest } from './paging.js';

export class DataSampleService extends BaseService {
  async registerDataSamples(param: RegisterDataSamplesParam): Promise<RegisterDataSamplesResponse> {
    validateRegisterDataSamplesParam(param);
    await this.provider.organization.requireRegisteredRequester();
    const { dbal, requester, clock } = this.ctx;
    await this.provider.dataManager.checkOwner(param.samples.flatMap((s) => s.dataManagerKeys));
    const keys = param.samples.map((s) => s.key);
    const existing = new Set((await dbal.getDataSamples(keys)).map((s) => s.key));
    const firstExisting = keys.find((k) => existing.has(k));
    if (firstExisting) throw conflict('datasample', firstExisting);

    const now = clock.now();
    const samples = param.samples.map((input) =>
      create(DataSampleSchema, {
        key: input.key,
        dataManagerKeys: [...new Set(input.dataManagerKeys)],
        owner: requester,
        checksum: input.checksum,
        creationDate: now,
      }),
    );
    if (samples.length > 0) await dbal.addDataSamples(samples);
    for (const sample of samples) emitEvent(this.ctx, EventKind.EVENT_ASSET_CREATED, 'dataSample', sample.key, sample);
    return create(RegisterDataSamplesResponseSchema, { dataSamples: samples });
  }

  /** Links samples to more data managers; links are only ever added. */
  async updateDataSamples(param: UpdateDataSamplesParam): Promise<UpdateDataSamplesResponse> {
    validateUpdateDataSamplesParam(param);
    const { dbal, requester } = this.ctx;
    await this.provider.dataManager.checkOwner(param.dataManagerKeys);
    const found = new Map((await dbal.getDataSamples(param.keys)).map((s) => [s.key, s]));
    const updated: DataSample[] = [];
    for (const key of new Set(param.keys)) {
      const sample = found.get(key);
      if (!sample) throw notFound('datasample', key);
      if (sample.owner !== requester) throw permissionDenied(`requester does not own the datasample "${key}"`);
      sample.dataManagerKeys = [...new Set([...sample.dataManagerKeys, ...param.dataManagerKeys])];
      updated.push(sample);
    }
    await dbal.updateDataSamples(updated);
    for (const sample of updated) emitEvent(this.ctx, EventKind.EVENT_ASSET_UPDATED, 'dataSample', sample.key, sample);
    return create(UpdateDataSamplesResponseSchema);
  }

  async getDataSample(param: GetDataSampleParam): Promise<DataSample> {
    validateGetDataSampleParam(param);
    const [sample] = await this.ctx.dbal.getDataSamples([param.key]);
    if (!sample) throw notFound('datasample', param.key);
    return sample;
  }

  async queryDataSamples(param: QueryDataSamplesParam): Promise<QueryDataSamplesResponse> {
    validateQueryDataSamplesParam(param);
    const keys = param.filter?.keys ?? [];
    const page = await this.ctx.dbal.queryDataSamples(
      pageRequest(param.pageToken, param.pageSize, DataSampleSchema),
      keys.length > 0 ? { keys } : {},
    );
    return create(QueryDataSamplesResponseSchema, { dataSamples: page.items, nextPageToken: page.nextToken });
  }
}
