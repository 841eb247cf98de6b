import { create } from '@bufbuild/protobuf';
import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import type { EventOutbox } from '../../../facade/backend.js';
import { Dispatcher, eventBody, type Publisher } from '../../../facade/events/amqp.js';
import { Wakeup } from '../../../facade/events/wakeup.js';
import { AssetKind, EventKind, EventSchema, type Event } from '../../../lib/asset/index.js';

const logger = pino({ level: 'silent' });

class MemoryOutbox implements EventOutbox {
  readonly events: Event[] = [];
  cursor = '';
  private readonly wakeup = new Wakeup();

  add(n: number): void {
    for (let i = 0; i < n; i++) {
      this.events.push(create(EventSchema, { id: `e${this.events.length + 1}`, channel: 'mychannel' }));
    }
    this.wakeup.set();
  }

  async next(after: string, limit: number): Promise<{ event: Event; cursor: string }[]> {
    this.wakeup.clear();
    const from = after === '' ? 0 : Number(after);
    return this.events.slice(from, from + limit).map((event, i) => ({ event, cursor: String(from + i + 1) }));
  }
  async loadCursor(): Promise<string> {
    return this.cursor;
  }
  async saveCursor(cursor: string): Promise<void> {
    this.cursor = cursor;
  }
  waitForEvents(signal: AbortSignal, timeoutMs: number): Promise<void> {
    return this.wakeup.wait(signal, timeoutMs);
  }
}

/** A broker that confirms, or fails a session after `failAfter` messages (confirmed ones stay delivered). */
class FakeBroker {
  readonly delivered: string[] = [];
  sessions = 0;
  failures: number[] = [];

  connect = async (): Promise<Publisher> => {
    this.sessions++;
    const failAfter = this.failures.shift();
    if (failAfter === -1) throw new Error('ECONNREFUSED');
    let sent = 0;
    return {
      publishBatch: async (events) => {
        for (const e of events) {
          if (failAfter !== undefined && sent >= failAfter) throw new Error('channel closed');
          sent++;
          this.delivered.push(e.id);
        }
      },
      close: async () => undefined,
    };
  };
}

async function until(cond: () => boolean, ms = 5000): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error('timeout');
    await new Promise((r) => setTimeout(r, 5));
  }
}

describe('AMQP dispatcher', () => {
  it('publishes everything in order and advances the durable cursor', async () => {
    const outbox = new MemoryOutbox();
    const broker = new FakeBroker();
    outbox.add(5);
    const d = new Dispatcher(outbox, broker.connect, logger, undefined, { batchSize: 2 });
    d.start();
    await until(() => outbox.cursor === '5');
    outbox.add(3);
    await until(() => outbox.cursor === '8');
    await d.stop();
    expect(broker.delivered).toEqual(['e1', 'e2', 'e3', 'e4', 'e5', 'e6', 'e7', 'e8']);
  });

  it('survives broker outages: reconnects with backoff, resumes from the cursor, never skips', async () => {
    const outbox = new MemoryOutbox();
    const broker = new FakeBroker();
    // Session 1 fails mid-batch after 3 messages, session 2 cannot connect, session 3 works.
    broker.failures = [3, -1];
    outbox.add(6);
    const d = new Dispatcher(outbox, broker.connect, logger, undefined, {
      batchSize: 2,
      initialBackoffMs: 1,
      maxBackoffMs: 5,
    });
    d.start();
    await until(() => outbox.cursor === '6');
    await d.stop();
    expect(broker.sessions).toBe(3);
    // At least once: e3 was confirmed in a batch whose second message failed, so it is sent again.
    expect(broker.delivered).toEqual(['e1', 'e2', 'e3', 'e3', 'e4', 'e5', 'e6']);
    // De-duplicated by message id, the order is intact.
    expect([...new Set(broker.delivered)]).toEqual(['e1', 'e2', 'e3', 'e4', 'e5', 'e6']);
  });

  it('resumes after a restart from the saved cursor', async () => {
    const outbox = new MemoryOutbox();
    outbox.add(4);
    outbox.cursor = '2';
    const broker = new FakeBroker();
    const d = new Dispatcher(outbox, broker.connect, logger);
    d.start();
    await until(() => outbox.cursor === '4');
    await d.stop();
    expect(broker.delivered).toEqual(['e3', 'e4']);
  });

  it('encodes the body as protojson with proto names and defaults', () => {
    const body = JSON.parse(
      eventBody(
        create(EventSchema, {
          id: 'id1',
          channel: 'mychannel',
          assetKind: AssetKind.ASSET_ORGANIZATION,
          eventKind: EventKind.EVENT_ASSET_CREATED,
          asset: { case: 'organization', value: { id: 'Org1', address: '' } },
        }),
      ).toString(),
    ) as Record<string, unknown>;
    expect(body).toMatchObject({
      id: 'id1',
      asset_key: '',
      asset_kind: 'ASSET_ORGANIZATION',
      event_kind: 'EVENT_ASSET_CREATED',
      channel: 'mychannel',
      organization: { id: 'Org1', address: '' },
      metadata: {},
    });
  });
});
