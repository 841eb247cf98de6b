// One AMQP dispatcher among PostgreSQL replicas (issue 15 item 1), on real processes, PostgreSQL and RabbitMQ: three
// replicas share one database, eight writers spread over them, and five times the replica that dispatches is killed
// with SIGKILL. Another replica must take over within 5 s (orc_dispatcher_leader on its /metrics), and a consumer
// that de-duplicates by message id must end up with every committed event exactly once, in commit order. The raw
// duplicates the crash windows produce are counted and printed, with the takeover times.
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Event } from '../../lib/asset/index.js';
import { channelConfigFor, DEFAULT_TOPOLOGY } from '../conformance/context.js';
import { newFunction } from '../conformance/fixtures.js';
import { connect } from '../support/client.js';
import { startTestPostgres, type TestPostgres } from '../support/postgres.js';
import { QueueConsumer, startRabbitMQ, type TestRabbitMQ } from '../support/rabbitmq.js';
import { startServer, type TestServer } from '../support/server.js';

const REPLICAS = 3;
const KILLS = 5;
const WRITERS = 8;
/** Writes acknowledged between two kills. */
const WRITES_PER_ROUND = 40;
const TAKEOVER_LIMIT_MS = 5_000;

const identity = { mspid: 'MyOrg1MSP', channel: 'mychannel', timeoutMs: 30_000 };
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

interface Replica {
  server: TestServer;
  metrics: string;
  dead: boolean;
}

async function isLeader(replica: Replica): Promise<boolean> {
  try {
    const res = await fetch(`http://${replica.metrics}/metrics`, { signal: AbortSignal.timeout(1_000) });
    return /^orc_dispatcher_leader 1$/m.test(await res.text());
  } catch {
    return false;
  }
}

describe('AMQP dispatch among PostgreSQL replicas', () => {
  let postgres: TestPostgres;
  let rabbit: TestRabbitMQ;
  const replicas: Replica[] = [];
  beforeAll(async () => {
    [postgres, rabbit] = await Promise.all([startTestPostgres(), startRabbitMQ()]);
  }, 180_000);
  afterAll(async () => {
    await Promise.all(replicas.map((replica) => replica.server.stop()));
    await postgres?.stop();
    await rabbit?.destroy();
  });

  async function startReplica(): Promise<Replica> {
    const server = await startServer({
      channels: channelConfigFor(DEFAULT_TOPOLOGY),
      env: {
        ORCHESTRATOR_DATABASE_URL: postgres.url,
        ORCHESTRATOR_AMQP_URL: rabbit.url,
        ORCHESTRATOR_METRICS_ADDRESS: '127.0.0.1:0',
      },
    });
    const replica = { server, metrics: String(server.listening.metrics), dead: false };
    replicas.push(replica);
    return replica;
  }

  /** The replica that reports itself leader, waiting up to `timeoutMs`. */
  async function leader(timeoutMs: number): Promise<Replica | undefined> {
    const until = Date.now() + timeoutMs;
    while (Date.now() < until) {
      for (const replica of replicas.filter((r) => !r.dead)) if (await isLeader(replica)) return replica;
      await sleep(50);
    }
    return undefined;
  }

  it(`kill -9 of the dispatching replica ${KILLS} times under ${WRITERS} writers loses no event`, async () => {
    const consumer = new QueueConsumer(rabbit.url, `failover-${randomUUID()}`, identity.channel);
    await consumer.connect();
    for (let i = 0; i < REPLICAS; i++) await startReplica();
    await connect(replicas[0]!.server.address, identity).organization.registerOrganization({ address: '' });

    // Writers pick a live replica for every call; a call cut by a kill is retried elsewhere under its key.
    let acks = 0;
    let stopping = false;
    const writers = Array.from({ length: WRITERS }, async (_, writer) => {
      for (let n = 0; !stopping; n++) {
        const request = newFunction('model-only');
        const key = randomUUID();
        for (let attempt = 0; ; attempt++) {
          const live = replicas.filter((r) => !r.dead);
          const target = live[(writer + n + attempt) % live.length]!;
          try {
            await connect(target.server.address, identity).function.registerFunction(request, {
              metadata: { 'idempotency-key': key },
            });
            acks++;
            break;
          } catch (err) {
            if (attempt > 20) throw err;
            await sleep(100);
          }
        }
      }
    });

    const takeovers: number[] = [];
    for (let kill = 0; kill < KILLS; kill++) {
      const target = acks + WRITES_PER_ROUND;
      while (acks < target) await sleep(20);
      const current = await leader(TAKEOVER_LIMIT_MS);
      expect(current, 'a replica leads').toBeDefined();
      current!.dead = true;
      const killedAt = performance.now();
      process.kill(current!.server.pid, 'SIGKILL');
      const next = await leader(TAKEOVER_LIMIT_MS + 1_000);
      const took = performance.now() - killedAt;
      expect(next, 'another replica took over').toBeDefined();
      takeovers.push(Math.round(took));
      await startReplica();
    }
    stopping = true;
    await Promise.all(writers);

    // Every committed event, in commit order, from the stream of a live replica.
    const live = replicas.find((r) => !r.dead)!;
    const client = connect(live.server.address, identity);
    let committed = 0;
    let pageToken = '';
    do {
      const page = await client.event.queryEvents({ pageToken, pageSize: 500 });
      committed += page.events.length;
      pageToken = page.nextPageToken;
    } while (pageToken !== '');
    const stream = client.event.subscribeToEvents({ startEventId: '' });
    const ordered: Event[] = await stream.take(committed);
    stream.cancel();
    const expected = ordered.map((event) => event.id);
    const until = Date.now() + 60_000;
    while (consumer.uniqueIds().length < expected.length && Date.now() < until) await sleep(100);
    await sleep(500);
    await consumer.close();

    const unique = consumer.uniqueIds();
    const duplicates = consumer.deliveries.length - unique.length;
    console.log(
      `dispatcher failover: ${KILLS} kills, takeover ms [${takeovers.join(', ')}] (max ${Math.max(...takeovers)}), ` +
        `${expected.length} events committed, ${consumer.deliveries.length} delivered, ` +
        `${unique.length} unique, ${duplicates} duplicates (same message id)`,
    );
    expect(unique).toEqual(expected);
    for (const took of takeovers) expect(took).toBeLessThan(TAKEOVER_LIMIT_MS);
    // Exactly one replica leads at the end.
    const leaders = await Promise.all(replicas.filter((r) => !r.dead).map(isLeader));
    expect(leaders.filter(Boolean)).toHaveLength(1);
  }, 600_000);
});
