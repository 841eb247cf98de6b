// Opening the database of the standalone mode; pending migrations are applied unless told not to.
import { migrate } from './migrate.js';
import { PgHandle } from './pg-handle.js';
import type { DbHandle } from './sql.js';

/** How openPostgres prepares the database. */
export interface OpenOptions {
  /** Apply pending migrations before returning (default true). */
  migrate?: boolean;
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
