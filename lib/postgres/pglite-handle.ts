// DbHandle over one in-process PGlite. PGlite is a single backend session: a statement sent while another caller
// has a transaction open would run inside that transaction. So every use (queries, LISTEN) goes through one FIFO
// mutex, and a session (a whole transaction) holds it from BEGIN to COMMIT.
import type { PGlite } from '@electric-sql/pglite';
import type { DbHandle, Queryable, Row, Unlisten } from './sql.js';

export class PgliteHandle implements DbHandle {
  readonly engine = 'pglite' as const;
  private tail: Promise<void> = Promise.resolve();
  private readonly q: Queryable;

  constructor(readonly db: PGlite) {
    this.q = {
      query: async <R extends Row = Row>(text: string, params?: readonly unknown[]): Promise<R[]> =>
        (await db.query<R>(text, params ? [...params] : undefined)).rows,
      exec: async (script: string): Promise<void> => {
        await db.exec(script);
      },
    };
  }

  session<T>(fn: (q: Queryable) => Promise<T>): Promise<T> {
    const run = this.tail.then(() => fn(this.q));
    this.tail = run.then(
      () => undefined,
      () => undefined,
    );
    return run;
  }

  async listen(channel: string, onPayload: (payload: string) => void): Promise<Unlisten> {
    // PGlite delivers notifications in process, so there is no connection to lose (no reconnect to report).
    const unlisten = await this.session(() => this.db.listen(channel, onPayload));
    return () => this.session(() => unlisten());
  }

  async close(): Promise<void> {
    await this.session(() => this.db.close());
  }
}
