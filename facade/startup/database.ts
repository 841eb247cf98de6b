// Standalone mode's first contact with PostgreSQL, before the pool and the migrations: one connection with a
// deadline. Without it a refused connection, a wrong password or an unknown database surfaced as a driver stack
// trace, and an unanswering host left the pool waiting for the operating system's TCP timeout (minutes) in silence.
import { ConfigError } from '../config.js';
import { describeDatabaseUrl, hidePassword } from './database-url.js';

const VARIABLE = 'ORCHESTRATOR_DATABASE_URL';

/** How long the check waits for PostgreSQL to accept a session, unless the URL says `connect_timeout` (seconds). */
const DEFAULT_CONNECT_TIMEOUT_MS = 10_000;

/**
 * Opens and closes one session at `url`.
 * @throws {@link ConfigError} naming ORCHESTRATOR_DATABASE_URL, with the reason and never the password.
 */
export async function checkDatabase(url: string): Promise<void> {
  const timeoutMs = connectTimeoutMs(url);
  // Loaded here, like the backends in app.ts: embedded mode never pays for the driver.
  const { default: pg } = await import('pg');
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: timeoutMs });
  // A server that goes away between connect() and end() must not become an uncaught 'error' event.
  client.on('error', () => undefined);
  try {
    await client.connect();
  } catch (err) {
    throw databaseStartError(err, url, timeoutMs);
  } finally {
    await client.end().catch(() => undefined);
  }
}

/**
 * After the check: the one-line error for a database that refused what opening the backend asked of it (a migration
 * the user has no right to run, e.g. `permission denied for schema public`) or went away meanwhile; undefined for
 * any other error, which is a bug and keeps its stack.
 */
export function databaseOpenError(err: unknown, url: string): ConfigError | undefined {
  const code = codeOf(err);
  if (code === undefined || !(SQLSTATE.test(code) || code in SOCKET_REASONS)) return undefined;
  const detail = `PostgreSQL at ${describeDatabaseUrl(url)} refused to set up the database: ${reason(err, 0)}`;
  return new ConfigError(VARIABLE, hidePassword(detail, url));
}

/** A server error's code (as opposed to Node's E… codes). */
const SQLSTATE = /^[0-9A-Z]{5}$/;

/**
 * The one-line error for a failure to reach or log into the database at start.
 * @param timeoutMs the deadline that applied, named when it is what failed.
 */
function databaseStartError(err: unknown, url: string, timeoutMs: number): ConfigError {
  const detail = `cannot connect to PostgreSQL at ${describeDatabaseUrl(url)}: ${reason(err, timeoutMs)}`;
  return new ConfigError(VARIABLE, hidePassword(detail, url));
}

/**
 * libpq's `connect_timeout` URL parameter (seconds), which node-postgres itself ignores; it is honoured here so that
 * a deployment can shorten or lengthen the start check. Zero or invalid means the default, never "wait forever".
 */
function connectTimeoutMs(url: string): number {
  const seconds = Number(new URL(url).searchParams.get('connect_timeout') ?? '');
  return Number.isFinite(seconds) && seconds > 0 ? seconds * 1000 : DEFAULT_CONNECT_TIMEOUT_MS;
}

interface DriverError {
  code?: unknown;
  message?: unknown;
  /** Node's AggregateError when every address of a host refused (e.g. localhost as ::1 and 127.0.0.1). */
  errors?: unknown;
}

function codeOf(err: unknown): string | undefined {
  if (typeof err !== 'object' || err === null) return undefined;
  const { code, errors } = err as DriverError;
  if (typeof code === 'string') return code;
  return Array.isArray(errors) ? codeOf(errors[0]) : undefined;
}

const SOCKET_REASONS: Record<string, string> = {
  ECONNREFUSED: 'connection refused (is PostgreSQL running and listening there?)',
  ENOTFOUND: 'unknown host',
  EAI_AGAIN: 'unknown host',
  EHOSTUNREACH: 'host unreachable',
  ENETUNREACH: 'host unreachable',
  ETIMEDOUT: 'the connection timed out',
  ECONNRESET: 'the server closed the connection (is it PostgreSQL?)',
};

function reason(err: unknown, timeoutMs: number): string {
  const code = codeOf(err);
  const message = err instanceof Error ? err.message : String(err);
  if (code && code in SOCKET_REASONS) return SOCKET_REASONS[code] ?? message;
  switch (code) {
    // invalid_password, invalid_authorization_specification (unknown role, no pg_hba.conf entry)
    case '28P01':
    case '28000':
      return `authentication failed: ${message}`;
    // invalid_catalog_name: `database "x" does not exist`
    case '3D000':
      return message;
  }
  // node-postgres's words when connectionTimeoutMillis passes (during the TCP connect or the startup exchange).
  if (/timeout expired|connection timeout/i.test(message)) return `no answer within ${timeoutMs / 1000} s`;
  if (/client password must be a string/.test(message)) return 'the server asks for a password and the URL has none';
  return message || code || 'unknown error';
}
