// Event dispatch to RabbitMQ (ARCHITECTURE §1, substra-behaviour §4.6): a durable topic exchange `orchestrator`, routing key = the
// channel, body = the Event as JSON with proto field names. Every event reaches a bound queue, in stream order, and a
// broker restart while writes continue delays events but loses and reorders none (delivery is at least once:
// consumers de-duplicate on the message id, which is the event id). The consumer queues are durable and bound before
// the server starts: a message matching no binding would be returned by the broker (the dispatcher publishes
// `mandatory`) and held back by the dispatcher; test/unit/facade/amqp-broker.test.ts covers that case.
import { fromJson, type JsonValue } from '@bufbuild/protobuf';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EventSchema, type Event } from '../../lib/asset/index.js';
import { QueueConsumer, startRabbitMQ, type Delivery, type TestRabbitMQ } from '../support/rabbitmq.js';
import { startServer, type TestServer } from '../support/server.js';
import { eventually, expectMessage } from './assertions.js';
import { channelConfigFor, ConformanceContext, DEFAULT_TOPOLOGY } from './context.js';
import {
  completeWithModel,
  key,
  registerTask,
  seedTask,
  setupBench,
  setupDataset,
  setupFunction,
  trainTask,
} from './fixtures.js';
import { bootstrapOrganizations } from './organizations.js';
import { readUntil, writeMarker } from './stream.js';

function decode(delivery: Delivery): Event {
  return fromJson(EventSchema, delivery.body as JsonValue);
}

describe('AMQP dispatch (RabbitMQ)', () => {
  const ctx = new ConformanceContext('amqp');
  let rabbit: TestRabbitMQ | undefined;
  let server: TestServer | undefined;
  let queue1: QueueConsumer;
  let queue2: QueueConsumer;

  beforeAll(async () => {
    rabbit = await startRabbitMQ();
    const [first, second] = DEFAULT_TOPOLOGY.channels;
    // Queues are bound before the server publishes anything: RabbitMQ drops messages routed to no queue.
    queue1 = new QueueConsumer(rabbit.url, `conformance-${first}`, first);
    queue2 = new QueueConsumer(rabbit.url, `conformance-${second}`, second);
    await queue1.connect();
    await queue2.connect();
    server = await startServer({
      channels: channelConfigFor(DEFAULT_TOPOLOGY),
      env: { ORCHESTRATOR_AMQP_URL: rabbit.url },
    });
    ctx.attach({ address: server.address, stop: () => server!.stop() });
    await bootstrapOrganizations(ctx);
  }, 600_000);

  afterAll(async () => {
    // The dispatcher's side of the story, for diagnosing a failure: DEBUG_AMQP=1 npx vitest run …amqp.test.ts
    if (process.env.DEBUG_AMQP) console.log(server?.logs.filter((l) => /amqp|dispatch/i.test(l)).join('\n'));
    await queue1?.close();
    await queue2?.close();
    await ctx.detach().catch(() => undefined);
    await server?.stop();
    await rabbit?.destroy();
  }, 180_000);

  it('publishes every event once, in stream order, as JSON with proto field names, routed by channel', async () => {
    const bench = await setupBench(ctx.owner, ctx.worker);
    const task = await registerTask(
      ctx.owner,
      trainTask({ plan: bench.plan, fn: bench.train, dataset: bench.workerData }),
    );
    await completeWithModel(ctx.worker, task.key);
    const other = ctx.client(ctx.topology.owner, ctx.otherChannel);
    const otherFn = await setupFunction(other, 'model-only');
    await setupDataset(other, { samples: 2 });
    const end1 = await writeMarker(ctx.owner);
    const end2 = await writeMarker(other);

    const stream1 = ctx.owner.event.subscribeToEvents({});
    const expected1 = await readUntil(stream1, end1.assetKey);
    stream1.cancel();
    const stream2 = other.event.subscribeToEvents({});
    const expected2 = await readUntil(stream2, end2.assetKey);
    stream2.cancel();
    expect(expected2.map((e) => e.assetKey)).toContain(otherFn.key);

    await eventually(() => (queue1.uniqueIds().includes(end1.event.id) ? true : undefined), {
      timeoutMs: 30_000,
      what: `marker ${end1.event.id} delivered to ${queue1.queue}`,
    });
    await eventually(() => (queue2.uniqueIds().includes(end2.event.id) ? true : undefined), {
      timeoutMs: 30_000,
      what: `marker ${end2.event.id} delivered to ${queue2.queue}`,
    });

    for (const [consumer, expected, channel] of [
      [queue1, expected1, ctx.channel],
      [queue2, expected2, ctx.otherChannel],
    ] as const) {
      const got = consumer.deliveries.slice(0, expected.length);
      // Exactly once and in stream order (no broker fault happened).
      expect(consumer.deliveries.map((d) => d.id)).toEqual(expected.map((e) => e.id));
      for (const [i, delivery] of got.entries()) {
        expect(delivery.routingKey).toBe(channel);
        expect(delivery.contentType).toBe('application/json');
        // Proto field names, enums by name, defaults emitted (Go protojson UseProtoNames + EmitUnpopulated).
        expect(Object.keys(delivery.body)).toEqual(
          expect.arrayContaining(['id', 'asset_key', 'asset_kind', 'event_kind', 'channel', 'timestamp', 'metadata']),
        );
        expect(delivery.body.channel).toBe(channel);
        expect(String(delivery.body.event_kind)).toMatch(/^EVENT_ASSET_/);
        expect(delivery.body.id).toBe(delivery.id);
        expectMessage(EventSchema, decode(delivery), expected[i], `AMQP event ${i}`);
      }
    }
    const task1 = queue1.deliveries.find((d) => d.body.asset_key === task.key && d.body.compute_task !== undefined);
    expect(Object.keys(task1?.body.compute_task as object)).toEqual(
      expect.arrayContaining(['compute_plan_key', 'function_key', 'logs_permission', 'creation_date']),
    );
  });

  it('a broker restart while writes continue loses nothing and reorders nothing', async () => {
    const start = await writeMarker(ctx.owner);
    const fn = await setupFunction(ctx.owner, 'model-only');
    const plan = await ctx.owner.plan.registerPlan({ key: key(), name: 'amqp restart' });
    let writing = true;
    const failures: string[] = [];
    let writes = 0;
    // Writes never depend on the broker: the events table is the outbox (ARCHITECTURE §4).
    const writer = (async () => {
      while (writing) {
        try {
          await registerTask(ctx.owner, seedTask({ plan, fn, worker: ctx.topology.worker }));
          writes++;
        } catch (err) {
          failures.push(String(err));
        }
      }
    })();
    const waitForWrites = async (n: number) =>
      eventually(() => (writes >= n ? true : undefined), { timeoutMs: 60_000, what: `${n} writes` });

    await waitForWrites(5);
    const stoppedAfter = writes;
    await rabbit!.stop();
    await waitForWrites(writes + 10);
    await rabbit!.start();
    await queue1.reconnect();
    await queue2.reconnect();
    await waitForWrites(writes + 5);
    writing = false;
    await writer;
    expect(failures, 'writes failing because of the broker').toEqual([]);
    const end = await writeMarker(ctx.owner);

    const stream = ctx.owner.event.subscribeToEvents({ startEventId: start.event.id });
    const expected = await readUntil(stream, end.assetKey);
    stream.cancel();
    expect(expected.length).toBeGreaterThan(20);

    // The dispatcher reconnects with a back-off: allow it time, but poll rather than sleep.
    await eventually(() => (queue1.uniqueIds().includes(end.event.id) ? true : undefined), {
      timeoutMs: 120_000,
      what: 'the last event delivered after the broker restart',
    });
    const ids = queue1.uniqueIds();
    const got = new Set(ids);
    const lost = expected.flatMap((e, i) => (got.has(e.id) ? [] : [i]));
    expect(
      lost,
      `positions (in the stream since the start marker) of events never delivered, of ${expected.length}; ` +
        `the broker stopped after ${stoppedAfter} writes`,
    ).toEqual([]);
    const from = ids.indexOf(start.event.id);
    expect(from, 'the start marker was delivered').toBeGreaterThanOrEqual(0);
    // First copies, in order: exactly the stream's sequence (nothing lost, nothing reordered).
    expect(ids.slice(from + 1, ids.indexOf(end.event.id) + 1)).toEqual(expected.map((e) => e.id));
    // Copies of one event are identical.
    const byId = new Map<string, string>();
    for (const d of queue1.deliveries) {
      const body = JSON.stringify(d.body);
      expect(byId.get(d.id) ?? body, `duplicate ${d.id} differs`).toBe(body);
      byId.set(d.id, body);
    }
    // The queues are durable and bound before the run, so the broker never had to return an event as unroutable
    // (the dispatcher would hold at it: delayed, not lost).
    expect(
      server!.logs.filter((l) => /unroutable/.test(l)),
      'unroutable events reported',
    ).toEqual([]);
    const duplicates = queue1.deliveries.length - ids.length;
    expect(duplicates, 'redeliveries stay bounded (at least once, not a replay of everything)').toBeLessThan(
      expected.length,
    );
  }, 300_000);
});
