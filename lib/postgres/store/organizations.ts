import { OrganizationSchema, type Organization } from '../../asset/index.js';
import { decode, encode, timestampToSql } from '../codec.js';
import type { Ctx } from './common.js';

export async function addOrganization(ctx: Ctx, org: Organization): Promise<void> {
  await ctx.q.query(
    'INSERT INTO organizations (channel, id, creation_date, asset) VALUES ($1, $2, $3::timestamptz, $4)',
    [ctx.channel, org.id, timestampToSql(org.creationDate), encode(OrganizationSchema, org)],
  );
}

export async function getOrganization(ctx: Ctx, id: string): Promise<Organization | undefined> {
  const [row] = await ctx.q.query('SELECT asset FROM organizations WHERE channel = $1 AND id = $2', [ctx.channel, id]);
  return row ? decode(OrganizationSchema, row.asset) : undefined;
}

export async function getAllOrganizations(ctx: Ctx): Promise<Organization[]> {
  const rows = await ctx.q.query('SELECT asset FROM organizations WHERE channel = $1 ORDER BY creation_date, id', [
    ctx.channel,
  ]);
  return rows.map((r) => decode(OrganizationSchema, r.asset));
}
