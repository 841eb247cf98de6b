import type { DataManagerStore } from '../../persistence/index.js';
import { DataManagerSchema, type DataManager } from '../../asset/index.js';
import { decode, encode, timestampToSql } from '../codec.js';
import { keysetPage, Params, type Ctx } from './common.js';

async function readDataManagers(ctx: Ctx, keys: string[]): Promise<DataManager[]> {
  if (keys.length === 0) return [];
  const rows = await ctx.q.query('SELECT asset FROM data_managers WHERE channel = $1 AND key = ANY($2::text[])', [
    ctx.channel,
    keys,
  ]);
  return rows.map((r) => decode(DataManagerSchema, r.asset));
}

async function readDataManager(ctx: Ctx, key: string): Promise<DataManager | undefined> {
  const [dm] = await readDataManagers(ctx, [key]);
  return dm;
}

export function dataManagerStore(ctx: Ctx): DataManagerStore {
  return {
    async addDataManager(dm) {
      await ctx.q.query(
        'INSERT INTO data_managers (channel, key, owner, creation_date, asset) VALUES ($1, $2, $3, $4::timestamptz, $5)',
        [ctx.channel, dm.key, dm.owner, timestampToSql(dm.creationDate), encode(DataManagerSchema, dm)],
      );
    },

    getDataManager: (key) => readDataManager(ctx, key),

    getDataManagers: (keys) => readDataManagers(ctx, keys),

    /** Persists the name only. */
    async updateDataManager(dm) {
      const stored = await readDataManager(ctx, dm.key);
      if (!stored) return;
      stored.name = dm.name;
      await ctx.q.query('UPDATE data_managers SET asset = $3 WHERE channel = $1 AND key = $2', [
        ctx.channel,
        dm.key,
        encode(DataManagerSchema, stored),
      ]);
    },

    queryDataManagers(page) {
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
    },
  };
}
