// Replicas of one organization's Fabric facade (issue 15 items 2 and 3) on the real network (network/up.sh): two
// facades serve the same organizations. A write sent under an `idempotency-key` to a facade that is then killed -9
// is retried on the other: the chaincode finds the key's record in world state, written by the first transaction,
// and answers the original response — one effect, never ALREADY_EXISTS. And with AMQP, the facades of one dispatch
// group elect one dispatcher through a RabbitMQ single-active-consumer queue: killing it leaves the other serving
// calls and streams, and publishing from the checkpoint the first one left in RabbitMQ.
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { channelConfigFor, DEFAULT_TOPOLOGY, type Topology } from '../conformance/context.js';
import { connect, RpcError } from '../support/client.js';
import { ensureFabricNetwork } from '../support/fabric-network.js';
import { startServer, type TestServer } from '../support/server.js';
import { newFunction } from '../conformance/fixtures.js';
import { QueueConsumer, startRabbitMQ, type TestRabbitMQ } from '../support/rabbitmq.js';
import { checkHeaderRules, retryEverything, writeUntilKilled } from './retries.js';

const topology: Topology = { ...DEFAULT_TOPOLOGY, restricted: undefined };
const identity = { mspid: topology.owner, channel: topology.channels[0], timeoutMs: 60_000 };
const TAKEOVER_LIMIT_MS = 5_000;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function isLeader(server: TestServer): Promise<boolean> {
  try {
    const res = await fetch(`http://${String(server.listening.metrics)}/metrics`, {
      signal: AbortSignal.timeout(1_000),
    });
    return /^orc_dispatcher_leader 1$/m.test(await res.text());
  } catch {
    return false;
  }
}

async function leaderAmong(servers: TestServer[], timeoutMs: number): Promise<TestServer | undefined> {
  const until = Date.now() + timeoutMs;
  while (Date.now() < until) {
    for (const server of servers) if (await isLeader(server)) return server;
    await sleep(50);
  }
  return undefined;
}

describe('Fabric facade replicas', () => {
  const root = mkdtempSync(join(tmpdir(), 'orc-fabric-replicas-'));
  const facades: TestServer[] = [];
  beforeAll(async () => {
    await ensureFabricNetwork();
  }, 900_000);
  afterAll(async () => {
    await Promise.all(facades.map((facade) => facade.stop()));
    rmSync(root, { recursive: true, force: true });
  });

  async function facade(name: string, env: Record<string, string> = {}): Promise<TestServer> {
    const server = await startServer({
      env: { ORCHESTRATOR_MODE: 'distributed', ORCHESTRATOR_DATA_DIR: join(root, name), ...env },
      channels: channelConfigFor(topology),
      startTimeoutMs: 120_000,
    });
    facades.push(server);
    return server;
  }

  it('a write retried on another facade after kill -9 of the one that served it has one effect', async () => {
    const [a, b] = [await facade('a'), await facade('b')];
    const toA = connect(a.address, identity);
    try {
      await toA.organization.registerOrganization({ address: '' });
    } catch (err) {
      if (!(err instanceof RpcError && err.details.includes('OE0006'))) throw err;
    }
    let killedAt = 0;
    const sent = await writeUntilKilled(
      toA,
      () => {
        killedAt = Date.now();
        process.kill(a.pid, 'SIGKILL');
      },
      { writers: 8, acksBeforeKill: 16 },
    );
    const toB = connect(b.address, identity);
    await retryEverything(toB, sent, killedAt);
    await checkHeaderRules(toB);
  }, 600_000);

  it('kill -9 of the dispatching facade: the other keeps serving, streaming and publishing', async () => {
    let rabbit: TestRabbitMQ | undefined;
    try {
      rabbit = await startRabbitMQ();
      const consumer = new QueueConsumer(rabbit.url, `fabric-failover-${randomUUID()}`, identity.channel);
      await consumer.connect();
      // The other channel needs a queue too: an unroutable event would hold dispatch (ORCHESTRATOR_AMQP_UNROUTABLE).
      const otherChannel = new QueueConsumer(rabbit.url, `fabric-failover-${randomUUID()}`, topology.channels[1]);
      await otherChannel.connect();
      const env = {
        ORCHESTRATOR_AMQP_URL: rabbit.url,
        ORCHESTRATOR_AMQP_DISPATCH_GROUP: `group-${randomUUID()}`,
        ORCHESTRATOR_METRICS_ADDRESS: '127.0.0.1:0',
      };
      const pair = [await facade('c', env), await facade('d', env)];
      const first = await leaderAmong(pair, 30_000);
      expect(first, 'one facade dispatches').toBeDefined();
      const other = pair.find((server) => server !== first)!;
      expect(await isLeader(other)).toBe(false);

      const written: string[] = [];
      const write = async (server: TestServer) => {
        const fn = await connect(server.address, identity).function.registerFunction(newFunction('model-only'));
        written.push(fn.key);
      };
      for (let i = 0; i < 3; i++) await write(first!);
      const stream = connect(other.address, identity).event.subscribeToEvents({ startEventId: '' });

      const killedAt = performance.now();
      process.kill(first!.pid, 'SIGKILL');
      const next = await leaderAmong([other], TAKEOVER_LIMIT_MS + 5_000);
      const took = Math.round(performance.now() - killedAt);
      expect(next, 'the other facade took over dispatch').toBe(other);
      for (let i = 0; i < 3; i++) await write(other);

      const published = () => new Set(consumer.deliveries.map((delivery) => String(delivery.body.asset_key)));
      const until = Date.now() + 120_000;
      while (!written.every((key) => published().has(key)) && Date.now() < until) await sleep(200);
      const streamed = new Set<string>();
      const streamUntil = Date.now() + 60_000;
      while (!written.every((key) => streamed.has(key)) && Date.now() < streamUntil) {
        for (const event of await stream.take(1, 60_000)) streamed.add(event.assetKey);
      }
      stream.cancel();
      await consumer.close();
      await otherChannel.close();
      const ids = [...consumer.deliveries, ...otherChannel.deliveries].map((delivery) => delivery.id);
      console.log(
        `fabric facade failover: takeover ${took} ms, ${ids.length} messages delivered, ` +
          `${ids.length - new Set(ids).size} duplicates (same message id)`,
      );
      expect(written.filter((key) => !published().has(key))).toEqual([]);
      expect(written.filter((key) => !streamed.has(key))).toEqual([]);
      expect(took).toBeLessThan(TAKEOVER_LIMIT_MS);
    } finally {
      await rabbit?.destroy();
    }
  }, 600_000);
});
