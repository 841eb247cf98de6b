// Turns raw database errors into OrcErrors: client mistakes get their Substra code, lost connections become
// Unavailable, anything else Internal, so that no raw driver error reaches a client.
import { OrcError, isOrcError } from '../errors/index.js';
import type { Queryable, Row } from './sql.js';

/** The fields node-postgres puts on a server error. */
interface DatabaseErrorLike {
  code: string;
  message: string;
  detail?: string;
  table?: string;
  constraint?: string;
}

function isDatabaseError(err: unknown): err is DatabaseErrorLike {
  if (!(err instanceof Error)) return false;
  const code = (err as Partial<DatabaseErrorLike>).code;
  return typeof code === 'string' && /^[0-9A-Z]{5}$/.test(code);
}

const SERIALIZATION_FAILURE = '40001';
const DEADLOCK_DETECTED = '40P01';

/** Errors after which running the whole transaction again may succeed. */
export function isRetryable(err: unknown): boolean {
  return isDatabaseError(err) && (err.code === SERIALIZATION_FAILURE || err.code === DEADLOCK_DETECTED);
}

const SOCKET_ERRNOS = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EPIPE',
  'ENOTFOUND',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'EAI_AGAIN',
]);

/** The server cannot be reached or went away (as opposed to refusing a statement). */
export function isConnectionError(err: unknown): boolean {
  if (isOrcError(err)) return err.kind === 'Unavailable';
  if (!(err instanceof Error)) return false;
  const code = (err as { code?: unknown }).code;
  if (typeof code === 'string') {
    if (SOCKET_ERRNOS.has(code)) return true;
    // 08xxx connection exceptions; 57P01-03 shutdown / cannot connect now; 53300 too many connections.
    if (/^08/.test(code) || code === '57P01' || code === '57P02' || code === '57P03' || code === '53300') return true;
  }
  return /Connection terminated|connection timeout|Client has encountered a connection error|not queryable/i.test(
    err.message,
  );
}

/** Table name → the asset word used in messages. */
const WHAT: Record<string, string> = {
  organizations: 'organization',
  functions: 'function',
  data_managers: 'data manager',
  data_samples: 'data sample',
  data_sample_managers: 'data sample link',
  compute_plans: 'compute plan',
  compute_tasks: 'compute task',
  compute_task_parents: 'compute task parent',
  compute_task_output_assets: 'compute task output asset',
  models: 'model',
  performances: 'performance',
  failure_reports: 'failure report',
  events: 'event',
};

/** Extracts "(a, b)=(x, y)" from a server error detail, for a message that names the offending key. */
function keyOf(detail: string | undefined): string {
  const m = detail ? /\)=\((.*)\)/.exec(detail) : null;
  return m?.[1] ?? '';
}

/** OrcErrors pass through; database errors are translated; other errors (programming errors) are returned as is. */
export function toOrcError(err: unknown): unknown {
  if (isOrcError(err)) return err;
  if (isConnectionError(err)) {
    return new OrcError('Unavailable', `database unavailable: ${(err as Error).message}`, { cause: err });
  }
  if (!isDatabaseError(err)) return err;
  const what = (err.table && WHAT[err.table]) ?? err.table ?? 'asset';
  switch (err.code) {
    case '23505':
      return new OrcError('Conflict', `${what} already exists (${keyOf(err.detail)})`, { cause: err });
    case '23503':
      // Insert/update referencing a missing row → NotFound; a delete/update still referenced → BadRequest.
      return /still referenced/.test(err.detail ?? '')
        ? new OrcError('BadRequest', `${what} is still referenced: ${err.detail ?? ''}`, { cause: err })
        : new OrcError('NotFound', `${what} references a missing asset: ${err.detail ?? err.message}`, {
            cause: err,
          });
    case '22P02':
    case '22001': // value too long for a column type
    case '22021': // invalid byte sequence (e.g. NUL in text)
    case '22007': // invalid datetime format
    case '22008': // datetime field overflow
      return new OrcError('InvalidAsset', `invalid value: ${err.message}`, { cause: err });
    default:
      return new OrcError('Internal', `database error ${err.code}: ${err.message}`, { cause: err });
  }
}

/**
 * A Queryable whose failures are already OrcErrors, so DBAL methods throw what the services expect (a duplicate key
 * is a Conflict at the call site). Retryable failures (40001/40P01) stay raw: runInTransaction must recognise them
 * to run the transaction again.
 */
export function orcErrorsFrom(q: Queryable): Queryable {
  const mapped = (err: unknown): unknown => (isRetryable(err) ? err : toOrcError(err));
  return {
    query: <R extends Row = Row>(text: string, params?: readonly unknown[]) =>
      q.query<R>(text, params).catch((err: unknown) => Promise.reject(mapped(err))),
    exec: (script: string) => q.exec(script).catch((err: unknown) => Promise.reject(mapped(err))),
  };
}
