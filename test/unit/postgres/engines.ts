// The two engines every Postgres test runs on: in-memory PGlite (PG 18) and a throwaway Debian PostgreSQL server.
import { openPglite, openPostgres, type DbHandle } from '../../../lib/postgres/index.js';
import { startTestPostgres, type TestPostgres } from '../../support/postgres.js';

export type EngineName = 'pglite' | 'postgres';
export const ENGINES: EngineName[] = ['pglite', 'postgres'];

export interface Engine {
  name: EngineName;
  db: DbHandle;
  /** Only for 'postgres': the server URL (for extra connections). */
  url?: string;
  close(): Promise<void>;
}

export async function startEngine(name: EngineName): Promise<Engine> {
  if (name === 'pglite') {
    const db = await openPglite();
    return { name, db, close: () => db.close() };
  }
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
