// The engine every Postgres test runs on: a throwaway Debian PostgreSQL server (test/support/postgres.ts). The
// in-memory PGlite engine left with the embedded mode's move to LevelDB; the list stays so that a second server
// version can be added in one place.
import { openPostgres, type DbHandle } from '../../../lib/postgres/index.js';
import { startTestPostgres, type TestPostgres } from '../../support/postgres.js';

export type EngineName = 'postgres';
export const ENGINES: EngineName[] = ['postgres'];

export interface Engine {
  name: EngineName;
  db: DbHandle;
  /** The server URL (for extra connections). */
  url: string;
  close(): Promise<void>;
}

export async function startEngine(name: EngineName): Promise<Engine> {
  const server: TestPostgres = await startTestPostgres();
  try {
    const db = await openPostgres(server.url);
    return {
      name,
      db,
      url: server.url,
      close: async () => {
        await db.close().catch(() => undefined);
        await server.stop();
      },
    };
  } catch (err) {
    await server.stop();
    throw err;
  }
}

let counter = 0;
/** A channel no other test uses: keys are unique per channel, so tests share one database without cleanup. */
export const freshChannel = (): string => `ch-${process.pid}-${++counter}-${Math.random().toString(36).slice(2, 8)}`;
