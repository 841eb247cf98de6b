import type { Page, PageRequest } from '../../persistence/index.js';
import { DataManagerSchema, type DataManager } from '../../asset/index.js';
import { decode, encode, timestampToSql } from '../codec.js';
import { keysetPage, Params, type Ctx } from './common.js';

export async function addDataManager(ctx: Ctx, dm: DataManager): Promise<void> {
  await ctx.q.query(
    'INSERT INTO data_managers (channel, key, owner, creation_date, asset) VALUES ($1, $2, $3, $4::timestamptz, $5)',
    [ctx.channel, dm.key, dm.owner, timestampToSql(dm.creationDate), encode(DataManagerSchema, dm)],
  );
}

export async function getDataManager(ctx: Ctx, key: string): Promise<DataManager | undefined> {
  const [dm] = await getDataManagers(ctx, [key]);
  return dm;
}

export async function getDataManagers(ctx: Ctx, keys: string[]): Promise<DataManager[]> {
  if (keys.length === 0) return [];
  const rows = await ctx.q.query('SELECT asset FROM data_managers WHERE channel = $1 AND key = ANY($2::text[])', [
    ctx.channel,
    keys,
  ]);
  return rows.map((r) => decode(DataManagerSchema, r.asset));
}

/** Persists the name only. */
export async function updateDataManager(ctx: Ctx, dm: DataManager): Promise<void> {
  const stored = await getDataManager(ctx, dm.key);
  if (!stored) return;
  stored.name = dm.name;
  await ctx.q.query('UPDATE data_managers SET asset = $3 WHERE channel = $1 AND key = $2', [
    ctx.channel,
    dm.key,
    encode(DataManagerSchema, stored),
  ]);
}

export function queryDataManagers(ctx: Ctx, page: PageRequest): Promise<Page<DataManager>> {
  const params = new Params();
  return keysetPage(ctx.q, {
    select: 'd.asset',
    from: 'data_managers d',
    where: [`d.channel = ${params.add(ctx.channel)}`],
    params,
    order: [{ column: 'd.creation_date' }, { column: 'd.key' }],
    page,
    decode: (r) => decode(DataManagerSchema, r.asset),
  });
}
