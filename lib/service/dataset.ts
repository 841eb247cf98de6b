import { create } from '@bufbuild/protobuf';
import { DatasetSchema, type Dataset, type GetDatasetParam } from '../asset/index.js';
import { validateGetDatasetParam } from '../asset/validation/index.js';
import { BaseService } from './base.js';

/** A dataset is a view: a data manager and the samples linked to it. */
export class DatasetService extends BaseService {
  async getDataset(param: GetDatasetParam): Promise<Dataset> {
    validateGetDatasetParam(param);
    const dataManager = await this.provider.dataManager.load(param.key);
    const dataSampleKeys = await this.ctx.dbal.getDataSampleKeysByManager(param.key);
    return create(DatasetSchema, { dataManager, dataSampleKeys });
  }
}
