// DbHandle over node-postgres: a pool for request transactions, one dedicated client per listener (a LISTEN must
// not hold a pooled connection for the lifetime of a stream, and it needs its own reconnect logic).
import pg from 'pg';
import { isConnectionError } from './errors.js';
import type { DbHandle, ListenOptions, Queryable, Row, Unlisten } from './sql.js';

const RECONNECT_MIN_MS = 100;
const RECONNECT_MAX_MS = 5_000;

function queryable(client: pg.ClientBase): Queryable {
  return {
    async query<R extends Row = Row>(text: string, params?: readonly unknown[]): Promise<R[]> {
      const res: pg.QueryResult<R> | pg.QueryResult<R>[] = await client.query<R>(
        text,
        params ? [...params] : undefined,
      );
      // Several statements (simple protocol, no parameters) give one result each: the rows are the last one's.
      return Array.isArray(res) ? (res.at(-1)?.rows ?? []) : res.rows;
    },
    async exec(script: string): Promise<void> {
      // Without parameters pg uses the simple query protocol, which accepts several statements.
      await client.query(script);
    },
  };
}

/** Quotes an SQL identifier (LISTEN takes no parameter). */
function ident(name: string): string {
  return `"${name.replace(/"/g, '""')}"`;
}

const asError = (err: unknown): Error => (err instanceof Error ? err : new Error(String(err)));

/** A checked-out pooled client, destroyed at release instead of pooled once its connection failed. */
class Lease {
  broken: Error | undefined;
  // While checked out, a client has no 'error' listener of the pool's: a connection lost between two queries (e.g.
  // its backend terminated) would otherwise be an uncaught 'error' event that kills the process.
  private readonly onError = (err: Error): void => {
    this.broken ??= err;
  };

  constructor(readonly client: pg.PoolClient) {
    client.on('error', this.onError);
  }

  /** Notes a failure of the session: after a connection error the client must not go back to the pool. */
  failed(err: unknown): void {
    if (isConnectionError(err)) this.broken ??= asError(err);
  }

  release(): void {
    this.client.removeListener('error', this.onError);
    this.client.release(this.broken);
  }
}

/**
 * The standalone mode's DbHandle: transactions on a node-postgres pool, and one dedicated connection per listener,
 * which listens again after losing its connection.
 */
export class PgHandle implements DbHandle {
  readonly engine = 'postgres' as const;
  private readonly pool: pg.Pool;

  constructor(
    private readonly config: pg.ClientConfig,
    poolOptions: { max?: number; onError?: (err: Error) => void } = {},
  ) {
    this.pool = new pg.Pool({ ...config, max: poolOptions.max ?? 10 });
    // An idle pooled client whose server went away emits 'error'; without a handler that crashes the process. The
    // pool drops that client by itself.
    this.pool.on('error', (err) => poolOptions.onError?.(err));
  }

  async session<T>(fn: (q: Queryable) => Promise<T>): Promise<T> {
    const lease = new Lease(await this.pool.connect());
    try {
      return await fn(queryable(lease.client));
    } catch (err) {
      // A connection that failed mid-way must not go back to the pool.
      lease.failed(err);
      throw err;
    } finally {
      lease.release();
    }
  }

  async listen(channel: string, onPayload: (payload: string) => void, options: ListenOptions = {}): Promise<Unlisten> {
    let closed = false;
    let current: pg.Client | undefined;
    let timer: NodeJS.Timeout | undefined;
    let delay = RECONNECT_MIN_MS;

    const connect = async (): Promise<void> => {
      const client = new pg.Client(this.config);
      const lost = (err?: Error): void => {
        if (err) options.onError?.(err);
        if (closed || client !== current) return;
        current = undefined;
        client.end().catch(() => undefined);
        schedule();
      };
      client.on('error', lost);
      client.on('end', () => lost());
      client.on('notification', (msg) => {
        if (msg.channel === channel && msg.payload !== undefined) onPayload(msg.payload);
      });
      try {
        await client.connect();
        await client.query(`LISTEN ${ident(channel)}`);
      } catch (err) {
        client.end().catch(() => undefined);
        throw err;
      }
      current = client;
      delay = RECONNECT_MIN_MS;
    };

    const schedule = (): void => {
      timer = setTimeout(() => {
        timer = undefined;
        if (closed) return;
        connect().then(
          () => (closed ? current?.end().catch(() => undefined) : options.onReconnect?.()),
          (err: unknown) => {
            options.onError?.(err instanceof Error ? err : new Error(String(err)));
            delay = Math.min(delay * 2, RECONNECT_MAX_MS);
            schedule();
          },
        );
      }, delay);
    };

    await connect();
    return async () => {
      closed = true;
      if (timer) clearTimeout(timer);
      const client = current;
      current = undefined;
      await client?.end().catch(() => undefined);
    };
  }

  async close(): Promise<void> {
    await this.pool.end();
  }
}
