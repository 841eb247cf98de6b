// Leader election among processes sharing one database: a session-level advisory lock, TRIED on a connection of its
// own and held for as long as that connection lives. PostgreSQL releases a session lock when its session ends, for
// whatever reason (the holder exits, is killed -9, or its connection is cut), so the lock is the leadership and
// there is no lease to renew or expire: an existing mechanism, no consensus of our own.
import pg from 'pg';

/**
 * The bigint advisory key space is shared with the events lock (store/events.ts) and migrations (migrate.ts):
 * 'orclead' in ASCII, plus a small number per role, keeps leaderships apart from both.
 */
const LEADERSHIP_KEY_BASE = 0x6f72636c65616400n;

/** How often the holder checks that its session still answers (a cut that neither side has noticed yet). */
const HEARTBEAT_MS = 1_000;
/** A heartbeat unanswered for this long ends the leadership: the server may already have given the lock away. */
const HEARTBEAT_TIMEOUT_MS = 2_000;

/**
 * Server-side keepalive of the lock's session (per-session settings): if the holder's machine vanishes without
 * closing the connection, the server notices within about idle + interval × count seconds and frees the lock.
 */
const KEEPALIVE_SETTINGS = 'SET tcp_keepalives_idle = 2; SET tcp_keepalives_interval = 1; SET tcp_keepalives_count = 2';

/** Being the one process of a role (e.g. the AMQP dispatcher) among all those on the database. */
export interface Leadership {
  /** Aborted the moment the lock's session is lost or fails a heartbeat: stop acting as leader at once. */
  readonly lost: AbortSignal;
  /** Gives the role up (ends the session, which frees the lock). */
  release(): Promise<void>;
}

/** The roles that elect a leader, each with its own lock. */
export const LeaderRoles = { amqpDispatcher: 1n } as const;

/**
 * Tries once to become the leader of `role`: undefined when another session holds it.
 *
 * @throws Error when the database cannot be reached.
 */
export async function tryLeadership(config: pg.ClientConfig, role: bigint): Promise<Leadership | undefined> {
  const client = new pg.Client({ ...config, keepAlive: true });
  const lost = new AbortController();
  const end = (): void => {
    if (!lost.signal.aborted) lost.abort(new Error('leadership session lost'));
    client.end().catch(() => undefined);
  };
  // A lost connection emits 'error' on an idle client: without a listener it would crash the process.
  client.on('error', end);
  client.on('end', end);
  try {
    await client.connect();
    await client.query(KEEPALIVE_SETTINGS);
    const res = await client.query<{ ok: boolean }>('SELECT pg_try_advisory_lock($1::bigint) AS ok', [
      (LEADERSHIP_KEY_BASE + role).toString(),
    ]);
    if (res.rows[0]?.ok !== true) {
      lost.abort(new Error('not the leader'));
      await client.end();
      return undefined;
    }
  } catch (err) {
    end();
    throw err;
  }
  const heartbeat = setInterval(() => {
    const timeout = setTimeout(end, HEARTBEAT_TIMEOUT_MS);
    client.query('SELECT 1').then(
      () => clearTimeout(timeout),
      () => {
        clearTimeout(timeout);
        end();
      },
    );
  }, HEARTBEAT_MS);
  heartbeat.unref();
  lost.signal.addEventListener('abort', () => clearInterval(heartbeat), { once: true });
  return {
    lost: lost.signal,
    release: async () => {
      clearInterval(heartbeat);
      if (!lost.signal.aborted) lost.abort(new Error('leadership released'));
      await client.end().catch(() => undefined);
    },
  };
}
