// Migrations: idempotent (a second run changes nothing, schema included), safe when processes start together.
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadMigrations, migrate, openPostgres, type DbHandle } from '../../../lib/postgres/index.js';
import { startTestPostgres, type TestPostgres } from '../../support/postgres.js';

/** Columns and indexes of the public schema, as comparable text. */
async function describeSchema(db: DbHandle): Promise<string[]> {
  return db.session(async (q) => {
    const cols = await q.query<{ d: string }>(
      "SELECT table_name || '.' || column_name || ' ' || data_type || ' ' || is_nullable || ' ' || " +
        "coalesce(collation_name, '-') || ' ' || coalesce(column_default, '-') AS d " +
        "FROM information_schema.columns WHERE table_schema = 'public' ORDER BY table_name, ordinal_position",
    );
    const idx = await q.query<{ d: string }>(
      "SELECT indexdef AS d FROM pg_indexes WHERE schemaname = 'public' ORDER BY indexname",
    );
    const cons = await q.query<{ d: string }>(
      "SELECT conrelid::regclass::text || ' ' || conname || ' ' || pg_get_constraintdef(oid) AS d FROM pg_constraint " +
        "WHERE connamespace = 'public'::regnamespace AND contype <> 'n' ORDER BY conrelid::regclass::text, conname",
    );
    return [...cols, ...idx, ...cons].map((r) => r.d);
  });
}

describe('migrations', () => {
  let server: TestPostgres;
  let admin: pg.Client;
  beforeAll(async () => {
    server = await startTestPostgres();
    admin = new pg.Client(server.url);
    await admin.connect();
  });
  afterAll(async () => {
    await admin?.end();
    await server?.stop();
  });

  const freshDatabase = async (name: string): Promise<string> => {
    await admin.query(`CREATE DATABASE ${name}`);
    return server.url.replace(/\/[^/]+$/, `/${name}`);
  };

  it('are numbered files applied once, change nothing when run again, refuse unknown versions', async () => {
    expect(loadMigrations().map((m) => m.name)).toContain('0001_init');
    const db = await openPostgres(await freshDatabase('twice'), { migrate: false });
    try {
      expect(await migrate(db)).toEqual(loadMigrations().map((m) => m.name));
      const schema = await describeSchema(db);
      expect(await migrate(db)).toEqual([]);
      expect(await describeSchema(db)).toEqual(schema);
      const rows = await db.session((q) => q.query('SELECT version FROM schema_migrations'));
      expect(rows).toHaveLength(loadMigrations().length);
      // A database migrated by a newer orchestrator is refused rather than guessed at.
      await db.session((q) => q.query("INSERT INTO schema_migrations (version, name) VALUES (9999, '9999_future')"));
      await expect(migrate(db)).rejects.toThrow(/does not know: 9999/);
    } finally {
      await db.close();
    }
  }, 180_000);

  it('let two processes starting together take turns', async () => {
    const url = await freshDatabase('racing');
    const [a, b] = [await openPostgres(url, { migrate: false }), await openPostgres(url, { migrate: false })];
    try {
      const results = await Promise.all([migrate(a), migrate(b)]);
      expect(results.map((r) => r.length).sort()).toEqual([0, loadMigrations().length]);
    } finally {
      await a.close();
      await b.close();
    }
  });
});
