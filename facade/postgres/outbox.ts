// The events table as a transactional outbox for AMQP dispatch: every committed event of every channel, in
// position (= commit) order, with a durable cursor (migration 0100_amqp_outbox.sql).
import { fromBinary } from '@bufbuild/protobuf';
import { EventSchema, type Event } from '../../lib/asset/index.js';
import { LeaderRoles, type DbHandle } from '../../lib/postgres/index.js';
import type { DispatchLease } from '../backend.js';
import type { EventHub } from '../events/hub.js';
import { PositionOutbox } from '../events/outbox.js';

const CURSOR = 'amqp';

export class TableOutbox extends PositionOutbox {
  /**
   * Every replica on the database reads this one outbox: a session advisory lock elects the one that dispatches,
   * so events are not published N times, and its death (the session ends) frees the lock for another.
   */
  readonly lease: DispatchLease = { tryAcquire: () => this.db.tryLeadership(LeaderRoles.amqpDispatcher) };

  constructor(
    private readonly db: DbHandle,
    hub: EventHub,
  ) {
    super(hub);
  }

  protected async readAfter(after: bigint, limit: number): Promise<{ event: Event; position: bigint }[]> {
    const rows = await this.db.session((q) =>
      q.query<{ event: unknown; channel: string; position: string }>(
        // Qualified `e.position`: a bare ORDER BY position would sort by the text alias ("10" < "9").
        'SELECT e.event, e.channel, e.position::text AS position FROM events e ' +
          'WHERE e.position > $1::bigint ORDER BY e.position LIMIT $2',
        [after.toString(), limit],
      ),
    );
    return rows.map((row) => {
      if (!(row.event instanceof Uint8Array)) throw new Error('events.event is not bytea');
      const event = fromBinary(EventSchema, row.event);
      event.channel = row.channel;
      return { event, position: BigInt(row.position) };
    });
  }

  protected async loadPosition(): Promise<bigint> {
    const rows = await this.db.session((q) =>
      q.query<{ position: string }>('SELECT position::text AS position FROM amqp_outbox_cursor WHERE name = $1', [
        CURSOR,
      ]),
    );
    return BigInt(rows[0]?.position ?? '0');
  }

  protected async savePosition(at: bigint): Promise<void> {
    // Monotonic and idempotent: an upsert that never moves the cursor backwards.
    await this.db.session((q) =>
      q.query(
        'INSERT INTO amqp_outbox_cursor (name, position) VALUES ($1, $2::bigint) ' +
          'ON CONFLICT (name) DO UPDATE SET position = GREATEST(amqp_outbox_cursor.position, EXCLUDED.position), ' +
          'updated_at = now()',
        [CURSOR, at.toString()],
      ),
    );
  }
}
