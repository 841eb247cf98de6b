import { create } from '@bufbuild/protobuf';
import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import type { EventOutbox } from '../../../facade/backend.js';
import { Dispatcher, eventBody, UnroutableError, type Publisher } from '../../../facade/events/amqp.js';
import { Wakeup } from '../../../facade/events/wakeup.js';
import { Metrics } from '../../../facade/metrics.js';
import { AssetKind, EventKind, EventSchema, type Event } from '../../../lib/asset/index.js';

const logger = pino({ level: 'silent' });

class MemoryOutbox implements EventOutbox {
  readonly events: Event[] = [];
  cursor = '';
  private readonly wakeup = new Wakeup();

  add(n: number, channel = 'mychannel'): void {
    for (let i = 0; i < n; i++) {
      this.events.push(create(EventSchema, { id: `e${this.events.length + 1}`, channel }));
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

/**
 * A broker that confirms, or fails a session after `failAfter` messages (confirmed ones stay delivered). Only channels
 * in `bound` have a queue (undefined: all): the others are returned as unroutable, as RabbitMQ does with `mandatory`.
 */
class FakeBroker {
  readonly delivered: string[] = [];
  sessions = 0;
  failures: number[] = [];
  bound: Set<string> | undefined;
  publishes = 0;

  connect = async (): Promise<Publisher> => {
    this.sessions++;
    const failAfter = this.failures.shift();
    if (failAfter === -1) throw new Error('ECONNREFUSED');
    let sent = 0;
    return {
      publishBatch: async (events) => {
        this.publishes++;
        let firstIndex = -1;
        const returned = new Map<string, number>();
        for (const [i, e] of events.entries()) {
          if (failAfter !== undefined && sent >= failAfter) throw new Error('channel closed');
          sent++;
          if (this.bound && !this.bound.has(e.channel)) {
            if (firstIndex < 0) firstIndex = i;
            returned.set(e.channel, (returned.get(e.channel) ?? 0) + 1);
          } else {
            this.delivered.push(e.id);
          }
        }
        if (returned.size > 0) throw new UnroutableError(firstIndex, returned);
      },
      close: async () => undefined,
    };
  };
}

async function counterValue(metrics: Metrics, name: string, routingKey: string): Promise<number> {
  const metric = metrics.registry.getSingleMetric(name);
  const values = metric ? (await metric.get()).values : [];
  return values.filter((v) => v.labels.routing_key === routingKey).reduce((a, v) => a + v.value, 0);
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

  it('holds at an unroutable event (no queue bound for its channel) until a queue is bound: nothing is lost', async () => {
    const outbox = new MemoryOutbox();
    const broker = new FakeBroker();
    const metrics = new Metrics();
    broker.bound = new Set(['mychannel']);
    outbox.add(2);
    outbox.add(1, 'yourchannel');
    outbox.add(2);
    const d = new Dispatcher(outbox, broker.connect, logger, metrics, {
      batchSize: 10,
      initialBackoffMs: 1,
      maxBackoffMs: 5,
    });
    d.start();
    await until(() => broker.publishes >= 4);
    // e1, e2 were queued before the unroutable e3: the cursor keeps them and stops right before e3.
    expect(outbox.cursor).toBe('2');
    expect(await counterValue(metrics, 'orc_amqp_unroutable_total', 'yourchannel')).toBeGreaterThanOrEqual(3);
    // Retries use the same session (the broker is fine) with a backoff.
    expect(broker.sessions).toBe(1);
    broker.bound.add('yourchannel');
    await until(() => outbox.cursor === '5');
    await d.stop();
    // At least once: e4 and e5 (routed) went out with every retry of the batch; per channel, first copies are in
    // order (e4 reaching mychannel's queues before e3 reaches yourchannel's is no reordering: different queues).
    const first = [...new Set(broker.delivered)];
    expect(first.filter((id) => id !== 'e3')).toEqual(['e1', 'e2', 'e4', 'e5']);
    expect(first).toContain('e3');
    expect(await counterValue(metrics, 'orc_amqp_dropped_total', 'yourchannel')).toBe(0);
  });

  it("with unroutable: 'drop', skips unroutable events and counts them", async () => {
    const outbox = new MemoryOutbox();
    const broker = new FakeBroker();
    const metrics = new Metrics();
    broker.bound = new Set(['mychannel']);
    outbox.add(1);
    outbox.add(2, 'yourchannel');
    outbox.add(1);
    const d = new Dispatcher(outbox, broker.connect, logger, metrics, { batchSize: 10, unroutable: 'drop' });
    d.start();
    await until(() => outbox.cursor === '4');
    await d.stop();
    expect(broker.delivered).toEqual(['e1', 'e4']);
    expect(await counterValue(metrics, 'orc_amqp_dropped_total', 'yourchannel')).toBe(2);
  });

  it('backs off between failing sessions even when connecting succeeds', async () => {
    const outbox = new MemoryOutbox();
    const broker = new FakeBroker();
    // Every session connects, then fails at its first message: the backoff must keep growing.
    broker.failures = Array.from({ length: 1000 }, () => 0);
    outbox.add(1);
    const d = new Dispatcher(outbox, broker.connect, logger, undefined, { initialBackoffMs: 10, maxBackoffMs: 1000 });
    d.start();
    await new Promise((r) => setTimeout(r, 400));
    await d.stop();
    // 10 + 20 + 40 + 80 + 160 ms: about 5 sessions (a backoff reset at each connect would make it about 40).
    expect(broker.sessions).toBeLessThanOrEqual(8);
    broker.failures = [];
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
