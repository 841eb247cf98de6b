// Applies lib/postgres/migrations/NNNN_name.sql in order, each in its own transaction, recording them in
// schema_migrations. A session-level advisory lock makes processes that start together take turns: the second
// one waits, then finds everything applied.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { errorMessage } from '../errors/index.js';
import type { DbHandle } from './sql.js';
import { fromProjectRoot } from '../paths.js';

/** One schema migration: a numbered SQL file of lib/postgres/migrations, applied once, in version order. */
export interface Migration {
  version: number;
  name: string;
  sql: string;
}

/** Arbitrary constant identifying "orchestrator migrations" among advisory locks ('orcmigr' in ASCII). */
const MIGRATION_LOCK_KEY = '31369493777835890';

const FILE_PATTERN = /^(\d{4})_[\w-]+\.sql$/;

/**
 * The migrations folder beside this module. tsc does not copy .sql files, so when running from dist/ the source
 * folder (same relative path from the project root) is used unless dist/ got its own copy.
 */
function defaultMigrationsDir(): string {
  const dir = fromProjectRoot('lib/postgres/migrations');
  if (!existsSync(dir)) throw new Error(`migrations folder not found at ${dir}`);
  return dir;
}

/** The migrations of `dir` in version order; two files with one version are refused. */
export function loadMigrations(dir: string = defaultMigrationsDir()): Migration[] {
  const migrations = readdirSync(dir)
    .map((file) => ({ file, match: FILE_PATTERN.exec(file) }))
    .filter((f): f is { file: string; match: RegExpExecArray } => f.match !== null)
    .map(({ file, match }) => ({
      version: Number(match[1]),
      name: file.replace(/\.sql$/, ''),
      sql: readFileSync(join(dir, file), 'utf8'),
    }))
    .sort((a, b) => a.version - b.version);
  for (let i = 1; i < migrations.length; i++) {
    const [prev, cur] = [migrations[i - 1], migrations[i]];
    if (prev && cur && prev.version === cur.version) throw new Error(`duplicate migration version ${cur.version}`);
  }
  return migrations;
}

/** Applies pending migrations; returns the names applied by this call (empty when the schema was up to date). */
export async function migrate(db: DbHandle, migrations: Migration[] = loadMigrations()): Promise<string[]> {
  return db.session(async (q) => {
    await q.query('SELECT pg_advisory_lock($1::bigint)', [MIGRATION_LOCK_KEY]);
    try {
      await q.exec(
        'CREATE TABLE IF NOT EXISTS schema_migrations (' +
          'version integer PRIMARY KEY, name text NOT NULL, applied_at timestamptz NOT NULL DEFAULT now())',
      );
      const rows = await q.query<{ version: number }>('SELECT version FROM schema_migrations');
      const done = new Set(rows.map((r) => Number(r.version)));
      const known = new Set(migrations.map((m) => m.version));
      const unknown = [...done].filter((v) => !known.has(v));
      if (unknown.length > 0) {
        // Running old code on a newer schema could corrupt it: refuse rather than guess.
        throw new Error(`database has migrations this orchestrator does not know: ${unknown.join(', ')}`);
      }
      const applied: string[] = [];
      for (const m of migrations) {
        if (done.has(m.version)) continue;
        await q.exec('BEGIN');
        try {
          await q.exec(m.sql);
          await q.query('INSERT INTO schema_migrations (version, name) VALUES ($1, $2)', [m.version, m.name]);
          await q.exec('COMMIT');
        } catch (err) {
          await q.exec('ROLLBACK').catch(() => undefined);
          throw new Error(`migration ${m.name} failed: ${errorMessage(err)}`, {
            cause: err,
          });
        }
        applied.push(m.name);
      }
      return applied;
    } finally {
      await q.query('SELECT pg_advisory_unlock($1::bigint)', [MIGRATION_LOCK_KEY]).catch(() => undefined);
    }
  });
}
