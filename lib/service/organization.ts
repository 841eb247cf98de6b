import { create } from '@bufbuild/protobuf';
import {
  EventKind,
  GetAllOrganizationsResponseSchema,
  OrganizationSchema,
  type GetAllOrganizationsResponse,
  type Organization,
  type RegisterOrganizationParam,
} from '../asset/index.js';
import { validateRegisterOrganizationParam } from '../asset/validation/index.js';
import { badRequest, conflict, notFound } from '../errors/index.js';
import { BaseService } from './base.js';
import { emitEvent } from './events.js';

export class OrganizationService extends BaseService {
  async registerOrganization(param: RegisterOrganizationParam): Promise<Organization> {
    validateRegisterOrganizationParam(param);
    const { dbal, requester, clock } = this.ctx;
    if (await dbal.getOrganization(requester)) throw conflict('organization', requester);
    const org = create(OrganizationSchema, { id: requester, address: param.address, creationDate: clock.now() });
    await dbal.addOrganization(org);
    emitEvent(this.ctx, EventKind.EVENT_ASSET_CREATED, 'organization', org.id, org);
    return org;
  }

  async getAllOrganizations(): Promise<GetAllOrganizationsResponse> {
    return create(GetAllOrganizationsResponseSchema, { organizations: await this.ctx.dbal.getAllOrganizations() });
  }

  /**
   * Assets are owned by registered organizations only. Substra's foreign keys refused the rest with a raw database
   * error; the ledger has no foreign keys, so the rule lives here for every backend.
   */
  async requireRegisteredRequester(): Promise<void> {
    const { dbal, requester, channel } = this.ctx;
    if (!(await dbal.getOrganization(requester))) {
      throw badRequest(
        `organization "${requester}" is not registered in channel "${channel}": call RegisterOrganization first`,
      );
    }
  }

  async getOrganization(id: string): Promise<Organization> {
    const org = await this.ctx.dbal.getOrganization(id);
    if (!org) throw notFound('organization', id);
    return org;
  }
}
