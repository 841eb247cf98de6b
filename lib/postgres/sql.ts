// The smallest database surface the rest of lib/postgres needs (implemented over node-postgres by PgHandle), so
// that the SQL code does not depend on the driver's API.

/** A result row as the driver returns it. Queries cast what they read (e.g. `position::text`): pg returns int8 as a
 * string; bytea is a Uint8Array. */
export type Row = Record<string, unknown>;

/** One session's query interface (inside a transaction when used by the DBAL). */
export interface Queryable {
  query<R extends Row = Row>(text: string, params?: readonly unknown[]): Promise<R[]>;
  /** Runs a parameterless script that may hold several statements (migrations). */
  exec(script: string): Promise<void>;
}

/** How a LISTEN reports the loss of its connection. */
export interface ListenOptions {
  /**
   * Called after the listening connection was lost and LISTEN is active again: notifications sent meanwhile are
   * lost, so a subscriber must re-read what it may have missed.
   */
  onReconnect?: () => void;
  /** A connection problem the listener is recovering from (for logs). */
  onError?: (err: Error) => void;
}

/** Stops listening; resolves once the listener released its connection. */
export type Unlisten = () => Promise<void>;

/** A database: PostgreSQL through a pg.Pool. */
export interface DbHandle {
  readonly engine: 'postgres';
  /**
   * Runs fn with exclusive use of one session (a pooled connection). Transactions live inside one call. Do not
   * call `session` again from inside fn: with a full pool that waits for itself forever.
   */
  session<T>(fn: (q: Queryable) => Promise<T>): Promise<T>;
  /** Receives NOTIFY payloads of `channel` on a dedicated connection that reconnects. */
  listen(channel: string, onPayload: (payload: string) => void, options?: ListenOptions): Promise<Unlisten>;
  close(): Promise<void>;
}
