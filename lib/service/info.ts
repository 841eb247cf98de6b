import { create } from '@bufbuild/protobuf';
import { QueryVersionResponseSchema, type QueryVersionResponse } from '../asset/index.js';
import { ORCHESTRATOR_VERSION } from '../version.js';
import { BaseService } from './base.js';

export class InfoService extends BaseService {
  queryVersion(): Promise<QueryVersionResponse> {
    return Promise.resolve(create(QueryVersionResponseSchema, { orchestrator: ORCHESTRATOR_VERSION }));
  }
}
