// Opening the database of each local mode; both apply pending migrations unless told not to.
import { mkdirSync } from 'node:fs';
import { PGlite } from '@electric-sql/pglite';
import { migrate } from './migrate.js';
import { PgHandle } from './pg-handle.js';
import { PgliteHandle } from './pglite-handle.js';
import type { DbHandle } from './sql.js';

export interface OpenOptions {
  /** Apply pending migrations before returning (default true). */
  migrate?: boolean;
}

/** Embedded mode: a file-backed PGlite in `dataDir` (created if missing); no dataDir = in memory (tests). */
export async function openPglite(dataDir?: string, options: OpenOptions = {}): Promise<PgliteHandle> {
  if (dataDir !== undefined) mkdirSync(dataDir, { recursive: true });
  const db = await PGlite.create(dataDir);
  const handle = new PgliteHandle(db);
  await ready(handle, options);
  return handle;
}

/** Standalone mode: PostgreSQL at `url` (ORCHESTRATOR_DATABASE_URL). */
export async function openPostgres(
  url: string,
  options: OpenOptions & { poolSize?: number; onError?: (err: Error) => void } = {},
): Promise<PgHandle> {
  const handle = new PgHandle({ connectionString: url }, { max: options.poolSize, onError: options.onError });
  await ready(handle, options);
  return handle;
}

async function ready(handle: DbHandle, options: OpenOptions): Promise<void> {
  if (options.migrate === false) return;
  try {
    await migrate(handle);
  } catch (err) {
    await handle.close().catch(() => undefined);
    throw err;
  }
}
