import { create } from '@bufbuild/protobuf';
import {
  QueryEventsResponseSchema,
  type QueryEventsParam,
  type QueryEventsResponse,
  EventSchema,
} from '../asset/index.js';
import { validateQueryEventsParam } from '../asset/validation/index.js';
import type { EventFilter } from '../persistence/index.js';
import { BaseService } from './base.js';
import { pageRequest } from './paging.js';

export class EventService extends BaseService {
  async queryEvents(param: QueryEventsParam): Promise<QueryEventsResponse> {
    validateQueryEventsParam(param);
    const f = param.filter;
    const filter: EventFilter = {};
    if (f?.assetKey) filter.assetKey = f.assetKey;
    if (f?.assetKind) filter.assetKind = f.assetKind;
    if (f?.eventKind) filter.eventKind = f.eventKind;
    if (f && Object.keys(f.metadata).length > 0) filter.metadata = f.metadata;
    if (f?.start) filter.start = f.start;
    if (f?.end) filter.end = f.end;
    const page = await this.ctx.dbal.queryEvents(
      pageRequest(param.pageToken, param.pageSize, EventSchema),
      filter,
      param.sort,
    );
    return create(QueryEventsResponseSchema, { events: page.items, nextPageToken: page.nextToken });
  }
}
