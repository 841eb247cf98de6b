// The AMQP dispatcher against a real RabbitMQ (test/support/rabbitmq.ts, Debian's rabbitmq-server; without it the
// suite fails with a message naming the package, never skips): the outbox is in memory, everything else is the production code (Dispatcher + amqpPublisher).
//   - A confirm does not mean "queued": RabbitMQ confirms a message that matches no binding and drops it. Before
//     `mandatory` publishing, events of a channel without a bound queue were confirmed, the cursor moved past them and
//     they were lost; they must be held back until a queue is bound.
//   - Broker restarts under continuous publishing: every event arrives, at least once, first copies in order per
//     channel, duplicates only as re-sends of the same message id. AMQP_STRESS_ROUNDS=20 for a longer stress run.
import { create } from '@bufbuild/protobuf';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { EventOutbox } from '../../../facade/backend.js';
import { amqpPublisher, Dispatcher } from '../../../facade/events/amqp.js';
import { Metrics } from '../../../facade/metrics.js';
import { Wakeup } from '../../../facade/events/wakeup.js';
import { EventSchema, type Event } from '../../../lib/asset/index.js';
import { QueueConsumer, startRabbitMQ, type TestRabbitMQ } from '../../support/rabbitmq.js';

const logger = pino({ level: process.env.AMQP_TEST_LOG ?? 'silent' });

/** The events table, in memory: positions 1, 2, … in append order. */
class MemoryOutbox implements EventOutbox {
  readonly events: Event[] = [];
  cursor = '';
  private readonly wakeup = new Wakeup();

  constructor(private readonly prefix: string) {}

  add(channel: string): Event {
    const event = create(EventSchema, { id: `${this.prefix}-${this.events.length + 1}`, channel });
    this.events.push(event);
    this.wakeup.set();
    return event;
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
    // Monotonic, as the table outbox.
    if (Number(cursor) > Number(this.cursor || '0')) this.cursor = cursor;
  }
  waitForEvents(signal: AbortSignal, timeoutMs: number): Promise<void> {
    return this.wakeup.wait(signal, timeoutMs);
  }
}

async function until(what: string, cond: () => boolean, ms = 60_000): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error(`timeout waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

async function counterValue(metrics: Metrics, name: string, routingKey: string): Promise<number> {
  const metric = metrics.registry.getSingleMetric(name);
  if (!metric) return 0;
  const { values } = await metric.get();
  return values.filter((v) => v.labels.routing_key === routingKey).reduce((a, v) => a + v.value, 0);
}

describe('AMQP dispatcher against RabbitMQ', () => {
  let rabbit: TestRabbitMQ;
  const consumers: QueueConsumer[] = [];
  const dispatchers: Dispatcher[] = [];

  beforeAll(async () => {
    rabbit = await startRabbitMQ();
  }, 240_000);

  afterAll(async () => {
    for (const d of dispatchers) await d.stop();
    for (const c of consumers) await c.close();
    await rabbit?.destroy();
  }, 120_000);

  const consumer = async (queue: string, routingKey: string): Promise<QueueConsumer> => {
    const c = new QueueConsumer(rabbit.url, queue, routingKey);
    await c.connect();
    consumers.push(c);
    return c;
  };

  it('holds events of a channel with no bound queue until one is bound, instead of losing them', async () => {
    const bound = await consumer('unroutable-bound', 'u.bound');
    const outbox = new MemoryOutbox('u');
    const metrics = new Metrics();
    const e1 = outbox.add('u.bound');
    const e2 = outbox.add('u.unbound'); // nobody consumes this channel yet
    const e3 = outbox.add('u.bound');
    const d = new Dispatcher(outbox, amqpPublisher(rabbit.url, logger), logger, metrics, {
      initialBackoffMs: 20,
      maxBackoffMs: 200,
    });
    dispatchers.push(d);
    d.start();

    // The broker returned e2: the dispatcher kept e1 (queued before it) and holds at e2.
    await until('e1 delivered', () => bound.uniqueIds().includes(e1.id));
    // Let the dispatcher retry a few times: it must keep holding.
    await new Promise((r) => setTimeout(r, 500));
    expect(outbox.cursor, 'the cursor stays before the unroutable event (past it, e2 is lost)').toBe('1');
    expect(await counterValue(metrics, 'orc_amqp_unroutable_total', 'u.unbound')).toBeGreaterThan(1);
    expect(bound.uniqueIds()[0]).toBe(e1.id);

    // The operator binds a queue: e2 goes out, then the rest, in order.
    const late = await consumer('unroutable-late', 'u.unbound');
    await until('everything dispatched', () => outbox.cursor === '3');
    await until('e3 delivered', () => bound.uniqueIds().includes(e3.id));
    await until('e2 delivered', () => late.uniqueIds().includes(e2.id));
    expect(bound.uniqueIds()).toEqual([e1.id, e3.id]);
    expect(late.uniqueIds()).toEqual([e2.id]);
  }, 120_000);

  it('drops unroutable events when configured to, counted and logged', async () => {
    const bound = await consumer('drop-bound', 'd.bound');
    const outbox = new MemoryOutbox('d');
    const metrics = new Metrics();
    const e1 = outbox.add('d.bound');
    outbox.add('d.unbound');
    const e3 = outbox.add('d.bound');
    const d = new Dispatcher(outbox, amqpPublisher(rabbit.url, logger), logger, metrics, { unroutable: 'drop' });
    dispatchers.push(d);
    d.start();
    await until('everything dispatched', () => outbox.cursor === '3');
    await until('e3 delivered', () => bound.uniqueIds().includes(e3.id));
    expect(bound.uniqueIds()).toEqual([e1.id, e3.id]);
    expect(await counterValue(metrics, 'orc_amqp_dropped_total', 'd.unbound')).toBe(1);
    await d.stop();
  }, 60_000);

  it('broker restarts under continuous publishing: nothing lost, first copies in order per channel', async () => {
    const rounds = Number(process.env.AMQP_STRESS_ROUNDS ?? 2);
    const [c1, c2] = [await consumer('restart-a', 'r.a'), await consumer('restart-b', 'r.b')];
    const outbox = new MemoryOutbox('r');
    // The production backoff, capped lower so that the dispatcher is back soon after the broker.
    const d = new Dispatcher(outbox, amqpPublisher(rabbit.url, logger), logger, undefined, { maxBackoffMs: 1_000 });
    dispatchers.push(d);
    d.start();
    let writing = true;
    const writer = (async () => {
      for (let i = 0; writing; i++) {
        outbox.add(i % 3 === 2 ? 'r.b' : 'r.a');
        await new Promise((r) => setTimeout(r, 5));
      }
    })();
    for (let round = 0; round < rounds; round++) {
      // Stop while the dispatcher is busy publishing (it caught up with the writer, which keeps writing).
      const target = outbox.events.length;
      await until('the dispatcher caught up', () => Number(outbox.cursor || '0') >= target, 120_000);
      await new Promise((r) => setTimeout(r, Math.random() * 200));
      await rabbit.stop();
      await rabbit.start();
      await c1.reconnect();
      await c2.reconnect();
    }
    writing = false;
    await writer;
    const total = outbox.events.length;
    await until('everything dispatched', () => outbox.cursor === String(total), 120_000);
    const expectA = outbox.events.filter((e) => e.channel === 'r.a').map((e) => e.id);
    const expectB = outbox.events.filter((e) => e.channel === 'r.b').map((e) => e.id);
    const lastA = expectA[expectA.length - 1]!;
    const lastB = expectB[expectB.length - 1]!;
    await until('the last events delivered', () => c1.uniqueIds().includes(lastA) && c2.uniqueIds().includes(lastB));
    for (const [c, expected] of [
      [c1, expectA],
      [c2, expectB],
    ] as const) {
      const got = new Set(c.uniqueIds());
      const lost = expected.filter((id) => !got.has(id));
      expect(lost, `events never delivered to ${c.queue} (of ${expected.length})`).toEqual([]);
      expect(c.uniqueIds(), `first copies in ${c.queue} in outbox order`).toEqual(expected);
      // At least once: re-sends after a failed batch, bounded by a batch per restart.
      expect(c.deliveries.length - expected.length).toBeLessThanOrEqual(100 * rounds * 2);
    }
  }, 900_000);
});
