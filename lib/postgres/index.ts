export type { DbHandle, Queryable, Row, ListenOptions, Unlisten } from './sql.js';
export { PgHandle } from './pg-handle.js';
export { LeaderRoles, type Leadership } from './leadership.js';
export { openPostgres, type OpenOptions } from './open.js';
export { migrate, loadMigrations, type Migration } from './migrate.js';
export { runInTransaction, type TransactionOptions, type TransactionInfo } from './transaction.js';
export { toOrcError, isRetryable, isConnectionError } from './errors.js';
export { postgresDBAL } from './dbal.js';
export {
  eventPosition,
  readEventsAfter,
  readEncodedEventsAfter,
  listenEvents,
  type PositionedEvent,
  type EventNotification,
} from './events.js';
export { EVENTS_NOTIFY_CHANNEL } from './store/events.js';
export { SqlIdempotencyRecords } from './idempotency.js';
