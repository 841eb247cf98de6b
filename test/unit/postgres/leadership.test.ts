// Leader election over a session advisory lock (lib/postgres/leadership.ts) on a real PostgreSQL: one holder at a
// time, and a holder whose session is cut loses the role at once, which another then takes.
import { once } from 'node:events';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LeaderRoles, openPostgres, type PgHandle } from '../../../lib/postgres/index.js';
import { startTestPostgres, type TestPostgres } from '../../support/postgres.js';

describe('PostgreSQL leadership', () => {
  let postgres: TestPostgres;
  let db: PgHandle;
  beforeAll(async () => {
    postgres = await startTestPostgres();
    db = await openPostgres(postgres.url);
  }, 120_000);
  afterAll(async () => {
    await db?.close();
    await postgres?.stop();
  });

  it('has one holder; a holder whose session is terminated loses it, and another takes it', async () => {
    const first = await db.tryLeadership(LeaderRoles.amqpDispatcher);
    expect(first).toBeDefined();
    expect(await db.tryLeadership(LeaderRoles.amqpDispatcher)).toBeUndefined();

    // Cut the holder's session from the server side, as a network failure or an operator would.
    await db.session((q) =>
      q.query(
        "SELECT pg_terminate_backend(pid) FROM pg_locks WHERE locktype = 'advisory' AND granted AND pid <> pg_backend_pid()",
      ),
    );
    if (!first!.lost.aborted) await once(first!.lost, 'abort');

    const second = await db.tryLeadership(LeaderRoles.amqpDispatcher);
    expect(second).toBeDefined();
    expect(second!.lost.aborted).toBe(false);
    await second!.release();
    expect(second!.lost.aborted).toBe(true);
    const third = await db.tryLeadership(LeaderRoles.amqpDispatcher);
    expect(third).toBeDefined();
    await third!.release();
  }, 60_000);
});
