import type { DataSampleStore } from '../../persistence/index.js';
import { DataSampleSchema, type DataSample } from '../../asset/index.js';
import { decode, encode, timestampToSql } from '../codec.js';
import { keysetPage, Params, type Ctx } from './common.js';

// Batches go through unnest() of array parameters: one statement and one plan whatever the batch size (a
// multi-row VALUES list would need a fresh parse per size and hits the 65,535-parameter limit).

async function insertLinks(ctx: Ctx, samples: DataSample[]): Promise<void> {
  const managers: string[] = [];
  const sampleKeys: string[] = [];
  const positions: number[] = [];
  for (const s of samples) {
    // A manager listed twice is one link (the first position wins).
    [...new Set(s.dataManagerKeys)].forEach((dm, i) => {
      managers.push(dm);
      sampleKeys.push(s.key);
      positions.push(i);
    });
  }
  if (managers.length === 0) return;
  await ctx.q.query(
    'INSERT INTO data_sample_managers (channel, data_manager_key, data_sample_key, position) ' +
      'SELECT $1, * FROM unnest($2::text[], $3::text[], $4::int[])',
    [ctx.channel, managers, sampleKeys, positions],
  );
}

async function readDataSamples(ctx: Ctx, keys: string[]): Promise<DataSample[]> {
  if (keys.length === 0) return [];
  const rows = await ctx.q.query('SELECT asset FROM data_samples WHERE channel = $1 AND key = ANY($2::text[])', [
    ctx.channel,
    keys,
  ]);
  return rows.map((r) => decode(DataSampleSchema, r.asset));
}

export function dataSampleStore(ctx: Ctx): DataSampleStore {
  return {
    async addDataSamples(samples) {
      if (samples.length === 0) return;
      await ctx.q.query(
        'INSERT INTO data_samples (channel, key, owner, creation_date, asset) ' +
          'SELECT $1, * FROM unnest($2::text[], $3::text[], $4::timestamptz[], $5::bytea[])',
        [
          ctx.channel,
          samples.map((s) => s.key),
          samples.map((s) => s.owner),
          samples.map((s) => timestampToSql(s.creationDate)),
          samples.map((s) => encode(DataSampleSchema, s)),
        ],
      );
      await insertLinks(ctx, samples);
    },

    getDataSamples: (keys) => readDataSamples(ctx, keys),

    /** Persists data_manager_keys only (asset and link table). */
    async updateDataSamples(samples) {
      const found = await readDataSamples(
        ctx,
        samples.map((s) => s.key),
      );
      const stored = new Map(found.map((s) => [s.key, s]));
      const updated: DataSample[] = [];
      for (const s of samples) {
        const current = stored.get(s.key);
        if (!current) continue;
        current.dataManagerKeys = [...s.dataManagerKeys];
        updated.push(current);
      }
      if (updated.length === 0) return;
      const keys = updated.map((s) => s.key);
      await ctx.q.query(
        'UPDATE data_samples d SET asset = u.asset FROM unnest($2::text[], $3::bytea[]) AS u(key, asset) ' +
          'WHERE d.channel = $1 AND d.key = u.key',
        [ctx.channel, keys, updated.map((s) => encode(DataSampleSchema, s))],
      );
      await ctx.q.query('DELETE FROM data_sample_managers WHERE channel = $1 AND data_sample_key = ANY($2::text[])', [
        ctx.channel,
        keys,
      ]);
      await insertLinks(ctx, updated);
    },

    queryDataSamples(page, filter) {
      const params = new Params();
      const where = [`s.channel = ${params.add(ctx.channel)}`];
      if (filter.keys !== undefined) where.push(`s.key = ANY(${params.add(filter.keys)}::text[])`);
      return keysetPage(ctx.q, {
        select: 's.asset',
        from: 'data_samples s',
        where,
        params,
        order: [{ column: 's.creation_date' }, { column: 's.key' }],
        page,
        decode: (r) => decode(DataSampleSchema, r.asset),
      });
    },

    async getDataSampleKeysByManager(dataManagerKey) {
      const rows = await ctx.q.query<{ key: string }>(
        'SELECT s.key FROM data_sample_managers l JOIN data_samples s ON s.channel = l.channel AND s.key = l.data_sample_key ' +
          'WHERE l.channel = $1 AND l.data_manager_key = $2 ORDER BY s.creation_date, s.key',
        [ctx.channel, dataManagerKey],
      );
      return rows.map((r) => r.key);
    },
  };
}
