// The backend-agnostic DBAL contract (test/unit/ledger/dbal-contract.ts) against postgresDBAL on both engines.
import { afterAll, beforeAll } from 'vitest';
import { postgresDBAL, type DbHandle, type Queryable, type Row } from '../../../lib/postgres/index.js';
import { describeDbalContract } from '../ledger/dbal-contract.js';
import { ENGINES, freshChannel, startEngine, type Engine } from './engines.js';

/**
 * The contract calls the DBAL many times in one test and carries on after expected errors (e.g. a Conflict).
 * In PostgreSQL an error aborts the whole transaction, so each statement runs under its own savepoint: an error
 * undoes that statement only, as it does on the other backends. (Services never continue after an error: the
 * request's transaction is rolled back.)
 */
function statementSavepoints(q: Queryable): Queryable {
  const guarded = async <T>(run: () => Promise<T>): Promise<T> => {
    await q.query('SAVEPOINT stmt');
    try {
      const result = await run();
      await q.query('RELEASE SAVEPOINT stmt');
      return result;
    } catch (err) {
      await q.query('ROLLBACK TO SAVEPOINT stmt');
      throw err;
    }
  };
  return {
    query: <R extends Row = Row>(text: string, params?: readonly unknown[]) => guarded(() => q.query<R>(text, params)),
    exec: (script: string) => guarded(() => q.exec(script)),
  };
}

/** Opens a SERIALIZABLE transaction held open until `end` (which rolls it back). */
function openTransaction(db: DbHandle): Promise<{ q: Queryable; end: () => Promise<void> }> {
  return new Promise((resolve, reject) => {
    let finish: () => void = () => undefined;
    const finished = new Promise<void>((r) => (finish = r));
    const session = db.session(async (q) => {
      await q.query('BEGIN ISOLATION LEVEL SERIALIZABLE');
      resolve({
        q,
        end: async () => {
          finish();
          await session;
        },
      });
      await finished;
      await q.query('ROLLBACK');
    });
    session.catch(reject);
  });
}

for (const engineName of ENGINES) {
  let engine: Engine | undefined;
  beforeAll(async () => {
    engine = await startEngine(engineName);
  });
  afterAll(async () => {
    await engine?.close();
  });

  describeDbalContract(`postgresDBAL on ${engineName}`, async () => {
    if (!engine) throw new Error('engine not started');
    const channel = freshChannel();
    const { q, end } = await openTransaction(engine.db);
    return { dbal: postgresDBAL(statementSavepoints(q), channel), channel, dispose: end };
  });
}
