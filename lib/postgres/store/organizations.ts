import type { OrganizationStore } from '../../persistence/index.js';
import { OrganizationSchema } from '../../asset/index.js';
import { decode, encode, timestampToSql } from '../codec.js';
import type { Ctx } from './common.js';

export function organizationStore(ctx: Ctx): OrganizationStore {
  return {
    async addOrganization(org) {
      await ctx.q.query(
        'INSERT INTO organizations (channel, id, creation_date, asset) VALUES ($1, $2, $3::timestamptz, $4)',
        [ctx.channel, org.id, timestampToSql(org.creationDate), encode(OrganizationSchema, org)],
      );
    },

    async getOrganization(id) {
      const [row] = await ctx.q.query('SELECT asset FROM organizations WHERE channel = $1 AND id = $2', [
        ctx.channel,
        id,
      ]);
      return row ? decode(OrganizationSchema, row.asset) : undefined;
    },

    async getAllOrganizations() {
      const rows = await ctx.q.query('SELECT asset FROM organizations WHERE channel = $1 ORDER BY creation_date, id', [
        ctx.channel,
      ]);
      return rows.map((r) => decode(OrganizationSchema, r.asset));
    },
  };
}
