// The events table as a transactional outbox for AMQP dispatch: every committed event of every channel, in
// position (= commit) order, with a durable cursor (migration 0100_amqp_outbox.sql).
import { fromBinary } from '@bufbuild/protobuf';
import { EventSchema, type Event } from '../../lib/asset/index.js';
import type { DbHandle } from '../../lib/postgres/index.js';
import type { EventOutbox } from '../backend.js';
import type { EventHub } from '../events/hub.js';
import { Wakeup } from '../events/wakeup.js';

const CURSOR = 'amqp';

function position(cursor: string): string {
  if (cursor === '') return '0';
  if (!/^\d+$/.test(cursor)) throw new Error(`invalid outbox cursor "${cursor}"`);
  return cursor;
}

export class TableOutbox implements EventOutbox {
  private readonly wakeup = new Wakeup();
  private readonly unwatch: () => void;

  constructor(
    private readonly db: DbHandle,
    hub: EventHub,
  ) {
    this.unwatch = hub.watch(undefined, { notify: () => this.wakeup.set(), resync: () => this.wakeup.set() });
  }

  async next(after: string, limit: number): Promise<{ event: Event; cursor: string }[]> {
    this.wakeup.clear();
    const rows = await this.db.session((q) =>
      q.query<{ event: unknown; channel: string; position: string }>(
        // Qualified `e.position`: a bare ORDER BY position would sort by the text alias ("10" < "9").
        'SELECT e.event, e.channel, e.position::text AS position FROM events e ' +
          'WHERE e.position > $1::bigint ORDER BY e.position LIMIT $2',
        [position(after), limit],
      ),
    );
    return rows.map((row) => {
      if (!(row.event instanceof Uint8Array)) throw new Error('events.event is not bytea');
      const event = fromBinary(EventSchema, row.event);
      event.channel = row.channel;
      return { event, cursor: row.position };
    });
  }

  async loadCursor(): Promise<string> {
    const rows = await this.db.session((q) =>
      q.query<{ position: string }>('SELECT position::text AS position FROM amqp_outbox_cursor WHERE name = $1', [
        CURSOR,
      ]),
    );
    return rows[0]?.position ?? '0';
  }

  async saveCursor(cursor: string): Promise<void> {
    // Monotonic and idempotent: an upsert that never moves the cursor backwards.
    await this.db.session((q) =>
      q.query(
        'INSERT INTO amqp_outbox_cursor (name, position) VALUES ($1, $2::bigint) ' +
          'ON CONFLICT (name) DO UPDATE SET position = GREATEST(amqp_outbox_cursor.position, EXCLUDED.position), ' +
          'updated_at = now()',
        [CURSOR, position(cursor)],
      ),
    );
  }

  waitForEvents(signal: AbortSignal, timeoutMs: number): Promise<void> {
    return this.wakeup.wait(signal, timeoutMs);
  }

  close(): void {
    this.unwatch();
  }
}
