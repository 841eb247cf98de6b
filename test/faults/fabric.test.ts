// Distributed mode under faults of the real Fabric network (network/up.sh): chaincode servers and peers are stopped
// and restarted while the facade serves calls, event streams and AMQP dispatch. Every test restarts what it stopped
// (network/up.sh restarts dead processes on their ledgers), so the network is healthy again for whoever comes next.
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { status } from '@grpc/grpc-js';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { Event } from '../../lib/asset/index.js';
import { eventsOf, eventually, expectOrcError } from '../conformance/assertions.js';
import { channelConfigFor, ConformanceContext, DEFAULT_TOPOLOGY, type Topology } from '../conformance/context.js';
import { key } from '../conformance/fixtures.js';
import { bootstrapOrganizations } from '../conformance/organizations.js';
import { readUntil, writeMarker } from '../conformance/stream.js';
import { connect, RpcError, type OrchestratorClient } from '../support/client.js';
import {
  ensureFabricNetwork,
  killNetworkProcess,
  networkProcessPid,
  restartFabricNetwork,
  type NetworkProcess,
} from '../support/fabric-network.js';
import { QueueConsumer, startRabbitMQ, type TestRabbitMQ } from '../support/rabbitmq.js';
import { startServer, type StartServerOptions, type TestServer } from '../support/server.js';

// Two organizations on both channels are all these faults need: MyOrg3MSP (a member of yourchannel only) is left out
// of the facade's channel configuration, although the facade holds its identity and the network runs its peer.
const topology: Topology = { ...DEFAULT_TOPOLOGY, restricted: undefined };
const [CHANNEL, OTHER_CHANNEL] = topology.channels;
const ORG1 = topology.owner;

/** "Promptly" means: the facade answers instead of waiting for the network to come back (or for its own deadline). */
const PROMPT_MS = 15_000;
/** A hanging call shows as DEADLINE_EXCEEDED well before the test's own timeout. */
const FAULT_CALL_TIMEOUT_MS = 30_000;
const TEST_TIMEOUT_MS = 240_000;

const ALL_PROCESSES: readonly NetworkProcess[] = [
  'orderer',
  'peer0.org1',
  'peer0.org2',
  'peer0.org3',
  'cc-orchestrator-org1',
  'cc-orchestrator-org2',
  'cc-orchestrator-org3',
  'cc-noop-org1',
  'cc-noop-org2',
  'cc-noop-org3',
];

/** Every facade this file started, for the diagnostics printed when a test fails. */
const facades: TestServer[] = [];

async function distributedFacade(env: StartServerOptions['env'] = {}): Promise<TestServer> {
  const server = await startServer({
    env: { ORCHESTRATOR_MODE: 'distributed', ...env },
    channels: channelConfigFor(topology),
    startTimeoutMs: 120_000,
  });
  facades.push(server);
  return server;
}

/** The facades' warnings and errors (and any line that is not a log record): what they made of the fault. */
function printFacadeProblems(): void {
  for (const server of facades) {
    const problems = server.logs.filter((line) => /"level":"(warn|error|fatal)"/.test(line) || !line.startsWith('{'));
    console.error(
      `facade pid ${server.pid} (${server.address}), last warnings and errors:\n${problems.slice(-40).join('\n')}`,
    );
  }
}

/** Stops `names`, runs `body`, and always restarts the network, even when `body` (or a kill) failed. */
async function whileStopped<T>(names: readonly NetworkProcess[], body: () => Promise<T>): Promise<T> {
  try {
    for (const name of names) await killNetworkProcess(name, 'SIGTERM');
    return await body();
  } finally {
    const started = Date.now();
    await restartFabricNetwork();
    console.log(`network/up.sh restored ${names.join(', ')} in ${Date.now() - started} ms`);
  }
}

interface Failure {
  status: string;
  details: string;
  ms: number;
}

/** How a call failed: its gRPC status by name, its message and how long the answer took. */
async function failureOf(what: string, call: () => Promise<unknown>): Promise<Failure> {
  const started = Date.now();
  let outcome: unknown;
  try {
    outcome = await call();
  } catch (err) {
    if (!(err instanceof RpcError)) throw err;
    const failure = { status: status[err.code] ?? String(err.code), details: err.details, ms: Date.now() - started };
    console.log(`${what}: ${failure.status} after ${failure.ms} ms: ${failure.details}`);
    return failure;
  }
  return expect.fail(`${what}: expected a failure, but the call succeeded: ${JSON.stringify(outcome)}`);
}

/** The call must fail with UNAVAILABLE (a status clients retry), never UNKNOWN/INTERNAL, and without hanging. */
async function expectPromptlyUnavailable(what: string, call: () => Promise<unknown>): Promise<void> {
  const failure = await failureOf(what, call);
  expect({ status: failure.status, prompt: failure.ms < PROMPT_MS }, `${what}: ${failure.details}`).toEqual({
    status: 'UNAVAILABLE',
    prompt: true,
  });
}

/**
 * Once network/up.sh returned, the network is healthy, but the facade's gRPC connection to a restarted peer may still
 * be waiting out its reconnect back-off: a client retries UNAVAILABLE, so this does too, for a bounded time, and
 * reports how long recovery took. Any other failure is final.
 */
async function afterRecovery<T>(what: string, call: () => Promise<T>, timeoutMs = 60_000): Promise<T> {
  const started = Date.now();
  for (let attempt = 1; ; attempt++) {
    try {
      const result = await call();
      if (attempt > 1)
        console.log(`${what}: succeeded at attempt ${attempt}, ${Date.now() - started} ms after recovery`);
      return result;
    } catch (err) {
      if (!(err instanceof RpcError) || err.code !== status.UNAVAILABLE || Date.now() - started > timeoutMs) throw err;
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
  }
}

/** Writes `count` plans and returns their keys, in the order they committed. */
async function writePlans(client: OrchestratorClient, count: number, name: string): Promise<string[]> {
  const keys: string[] = [];
  for (let i = 0; i < count; i++) {
    const planKey = key();
    await client.plan.registerPlan({ key: planKey, name: `${name} ${i}` });
    keys.push(planKey);
  }
  return keys;
}

/** The ledger's event ids about `keys`, in the order of `keys` (each asset here has exactly one event). */
async function eventIdsOf(client: OrchestratorClient, keys: readonly string[]): Promise<string[]> {
  const ids: string[] = [];
  for (const assetKey of keys) {
    const events = await eventsOf(client, assetKey);
    expect(events, `events about ${assetKey}`).toHaveLength(1);
    ids.push(events[0]!.id);
  }
  return ids;
}

function logsMatching(server: TestServer, pattern: RegExp): string[] {
  return server.logs.filter((line) => pattern.test(line));
}

describe('distributed mode: faults of the Fabric network', () => {
  const ctx = new ConformanceContext('fabric-faults');
  let facade: TestServer | undefined;

  beforeEach(({ onTestFailed }) => onTestFailed(printFacadeProblems));

  beforeAll(async () => {
    await ensureFabricNetwork();
    facade = await distributedFacade();
    ctx.attach({ address: facade.address, stop: () => facade!.stop(), topology });
    await bootstrapOrganizations(ctx);
  });

  afterAll(async () => {
    await ctx.detach().catch(() => undefined);
    // A test that failed half-way may have left a process stopped (whileStopped restarts, but be sure).
    if (ALL_PROCESSES.some((name) => networkProcessPid(name) === undefined)) await restartFabricNetwork();
  }, 300_000);

  it(
    'with both orchestrator chaincode servers stopped, a write and a read fail promptly with UNAVAILABLE and the ' +
      'write leaves nothing; after network:up both work again',
    async () => {
      const existing = key();
      await ctx.owner.plan.registerPlan({ key: existing, name: 'before the chaincode stopped' });
      const refused = key();

      await whileStopped(['cc-orchestrator-org1', 'cc-orchestrator-org2'], async () => {
        const timeoutMs = FAULT_CALL_TIMEOUT_MS;
        await expectPromptlyUnavailable('RegisterPlan, chaincode stopped', () =>
          ctx.owner.plan.registerPlan({ key: refused, name: 'never written' }, { timeoutMs }),
        );
        await expectPromptlyUnavailable('GetPlan, chaincode stopped', () =>
          ctx.owner.plan.getPlan({ key: existing }, { timeoutMs }),
        );
        await expectPromptlyUnavailable('QueryPlans as the other organization, chaincode stopped', () =>
          ctx.worker.plan.queryPlans({ pageSize: 10 }, { timeoutMs }),
        );
      });

      expect((await afterRecovery('GetPlan', () => ctx.owner.plan.getPlan({ key: existing }))).name).toBe(
        'before the chaincode stopped',
      );
      await expectOrcError(ctx.owner.plan.getPlan({ key: refused }), 'OE0002');
      expect(await eventsOf(ctx.owner, refused), 'events of the refused write').toEqual([]);
      const after = key();
      await afterRecovery('RegisterPlan', () => ctx.owner.plan.registerPlan({ key: after, name: 'after recovery' }));
      expect((await ctx.worker.plan.getPlan({ key: after })).name).toBe('after recovery');
      expect((await ctx.worker.plan.queryPlans({ pageSize: 10 })).plans.length).toBeGreaterThan(0);
    },
    TEST_TIMEOUT_MS,
  );

  it(
    "with MyOrg2MSP's peer stopped, writes (endorsed by both organizations) and MyOrg2MSP's reads fail promptly " +
      "with UNAVAILABLE while MyOrg1MSP's reads still work; after network:up a write is readable by both",
    async () => {
      const existing = key();
      await ctx.owner.plan.registerPlan({ key: existing, name: 'before the peer stopped' });
      const refused = key();

      await whileStopped(['peer0.org2'], async () => {
        const timeoutMs = FAULT_CALL_TIMEOUT_MS;
        await expectPromptlyUnavailable('RegisterPlan as MyOrg1MSP, peer0.org2 stopped', () =>
          ctx.owner.plan.registerPlan({ key: refused, name: 'never written' }, { timeoutMs }),
        );
        await expectPromptlyUnavailable('GetPlan as MyOrg2MSP, peer0.org2 stopped', () =>
          ctx.worker.plan.getPlan({ key: existing }, { timeoutMs }),
        );
        // MyOrg1MSP's own peer answers reads alone.
        expect((await ctx.owner.plan.getPlan({ key: existing }, { timeoutMs })).name).toBe('before the peer stopped');
      });

      const after = key();
      await afterRecovery('RegisterPlan as MyOrg1MSP', () =>
        ctx.owner.plan.registerPlan({ key: after, name: 'after recovery' }),
      );
      expect((await ctx.owner.plan.getPlan({ key: after })).name).toBe('after recovery');
      expect((await afterRecovery('GetPlan as MyOrg2MSP', () => ctx.worker.plan.getPlan({ key: after }))).name).toBe(
        'after recovery',
      );
      // Endorsed by one organization only, the refused write cannot have committed.
      await expectOrcError(ctx.worker.plan.getPlan({ key: refused }), 'OE0002');
      expect(await eventsOf(ctx.owner, refused), 'events of the refused write').toEqual([]);
    },
    TEST_TIMEOUT_MS,
  );

  it(
    'a SubscribeToEvents stream outlives a restart of its peer: without resubscribing, it delivers every event ' +
      'once, in ledger order, before and after the restart',
    async () => {
      const start = await writeMarker(ctx.owner);
      // Streams are served by the facade's event index, which reads the channel from its first member's peer,
      // peer0.org1: the peer about to stop.
      const stream = ctx.owner.event.subscribeToEvents({ startEventId: start.event.id });
      const before = await writePlans(ctx.owner, 3, 'before the peer restart');
      const beforeEnd = await writeMarker(ctx.owner);
      const seenBefore = await readUntil(stream, beforeEnd.assetKey);
      expect(seenBefore.map((e) => e.assetKey)).toEqual([...before, beforeEnd.assetKey]);

      const interruptions = (): string[] => logsMatching(facade!, /event index: block stream interrupted/);
      const interruptedBefore = interruptions().length;
      await whileStopped(['peer0.org1'], async () => {
        // The facade noticed the lost peer (and is retrying) before the peer comes back.
        await eventually(() => (interruptions().length > interruptedBefore ? true : undefined), {
          timeoutMs: 30_000,
          what: 'the facade logging the interrupted event stream',
        });
        expect(stream.error, 'the stream failed instead of waiting for the peer').toBeUndefined();
        expect(stream.isEnded, 'the stream ended instead of waiting for the peer').toBe(false);
      });

      const after = await afterRecovery('RegisterPlan after the peer restart', () =>
        writePlans(ctx.owner, 3, 'after the peer restart'),
      );
      const afterEnd = await writeMarker(ctx.owner);
      const seenAfter = await readUntil(stream, afterEnd.assetKey, 120_000);
      expect(stream.isEnded).toBe(false);
      stream.cancel();

      const expected = [
        ...(await eventIdsOf(ctx.owner, before)),
        beforeEnd.event.id,
        ...(await eventIdsOf(ctx.owner, after)),
        afterEnd.event.id,
      ];
      const seen = [...seenBefore, ...seenAfter];
      expect(
        seen.map((e) => e.id),
        'the stream: every event once, in order',
      ).toEqual(expected);
      // The ledger's own order agrees (a fresh replay from the same start).
      const replay = ctx.owner.event.subscribeToEvents({ startEventId: start.event.id });
      expect((await readUntil(replay, afterEnd.assetKey)).map((e) => e.id)).toEqual(expected);
      replay.cancel();
      console.log(`event stream: ${interruptions().length - interruptedBefore} interruption(s) logged, recovered`);
    },
    TEST_TIMEOUT_MS,
  );

  describe('AMQP dispatch', () => {
    let rabbit: TestRabbitMQ | undefined;
    let dataDir: string;
    let amqpFacade: TestServer | undefined;
    const queues = new Map<string, QueueConsumer>();
    const checkpointFile = (): string => join(dataDir, 'fabric-amqp-checkpoint.json');
    const startAmqpFacade = (): Promise<TestServer> =>
      distributedFacade({ ORCHESTRATOR_AMQP_URL: rabbit!.url, ORCHESTRATOR_DATA_DIR: dataDir });

    beforeAll(async () => {
      rabbit = await startRabbitMQ();
      dataDir = mkdtempSync(join(tmpdir(), 'orc-faults-amqp-'));
      // Durable queues bound before the facade publishes: every channel's events have somewhere to go from the start.
      for (const channel of topology.channels) {
        const consumer = new QueueConsumer(rabbit.url, `faults-${channel}`, channel);
        await consumer.connect();
        queues.set(channel, consumer);
      }
    }, 600_000);

    afterAll(async () => {
      if (process.env.DEBUG_AMQP) console.log(amqpFacade?.logs.join('\n'));
      for (const consumer of queues.values()) await consumer.close();
      await amqpFacade?.stop();
      await rabbit?.destroy();
      rmSync(dataDir, { recursive: true, force: true });
    }, 180_000);

    const delivered = (channel: string, eventId: string, what: string, timeoutMs = 180_000): Promise<true> =>
      eventually(() => (queues.get(channel)!.uniqueIds().includes(eventId) ? true : undefined), {
        timeoutMs,
        intervalMs: 200,
        what,
      });

    it(
      'every event reaches the queue exactly once, in ledger order, across a facade restart (with writes while it ' +
        'was down) and a restart of its peer',
      async () => {
        amqpFacade = await startAmqpFacade();
        let amqp = connect(amqpFacade.address, { mspid: ORG1, channel: CHANNEL });
        const plain = ctx.owner;
        const plainOther = ctx.client(ORG1, OTHER_CHANNEL);

        // 1. Live dispatch (after the whole channel history, since the checkpoint starts empty).
        const phase1 = await writePlans(amqp, 3, 'amqp phase 1');
        const end1 = await writeMarker(amqp);
        const end1Other = await writeMarker(amqp.as({ mspid: ORG1, channel: OTHER_CHANNEL }));
        await delivered(CHANNEL, end1.event.id, 'phase 1 dispatched (with the whole channel history)');
        await delivered(OTHER_CHANNEL, end1Other.event.id, 'phase 1 dispatched on the other channel');

        // 2. The facade stops; writes go on through another facade; the restarted one catches up from its checkpoint.
        amqp.connection.close();
        await amqpFacade.stop();
        expect(statSync(checkpointFile()).size, 'checkpoint written').toBeGreaterThan(0);
        const countAtStop = queues.get(CHANNEL)!.deliveries.length;
        const phase2 = await writePlans(plain, 3, 'amqp phase 2, facade down');
        const end2 = await writeMarker(plain);
        const end2Other = await writeMarker(plainOther);
        expect(queues.get(CHANNEL)!.deliveries.length, 'nothing dispatched while the facade was down').toBe(
          countAtStop,
        );
        amqpFacade = await startAmqpFacade();
        amqp = connect(amqpFacade.address, { mspid: ORG1, channel: CHANNEL });
        await delivered(CHANNEL, end2.event.id, 'phase 2 dispatched by the restarted facade');
        await delivered(OTHER_CHANNEL, end2Other.event.id, 'phase 2 dispatched on the other channel');

        // 3. The peer the dispatcher listens to (the first organization's) restarts; writes continue afterwards.
        const interruptions = (): string[] => logsMatching(amqpFacade!, /fabric event listener interrupted/);
        await whileStopped(['peer0.org1'], () =>
          eventually(() => (interruptions().length > 0 ? true : undefined), {
            timeoutMs: 30_000,
            what: 'the dispatcher logging the lost peer',
          }),
        );
        const phase3 = await afterRecovery('RegisterPlan after the peer restart', () =>
          writePlans(amqp, 3, 'amqp phase 3, after the peer restart'),
        );
        const end3 = await writeMarker(amqp);
        const end3Other = await writeMarker(amqp.as({ mspid: ORG1, channel: OTHER_CHANNEL }));
        await delivered(CHANNEL, end3.event.id, 'phase 3 dispatched after the peer restart');
        await delivered(OTHER_CHANNEL, end3Other.event.id, 'phase 3 dispatched on the other channel');
        amqp.connection.close();

        // The ledger's order of each channel, from the beginning, is what each queue must hold: exactly once each.
        const ledger = new Map<string, Event[]>();
        for (const [channel, end] of [
          [CHANNEL, end3],
          [OTHER_CHANNEL, end3Other],
        ] as const) {
          const stream = ctx.client(ORG1, channel).event.subscribeToEvents({});
          ledger.set(channel, await readUntil(stream, end.assetKey, 180_000));
          stream.cancel();
        }
        for (const [channel, consumer] of queues) {
          const ids = consumer.deliveries.map((d) => d.id);
          const once = new Set<string>();
          const duplicates: string[] = [];
          for (const id of ids) {
            if (once.has(id)) duplicates.push(id);
            once.add(id);
          }
          expect(duplicates, `${channel}: events delivered more than once`).toEqual([]);
          expect(
            consumer.deliveries.every((d) => d.routingKey === channel && d.body.channel === channel),
            `${channel}: routed by channel`,
          ).toBe(true);
          expect(ids, `${channel}: the queue holds the ledger's events, in order`).toEqual(
            ledger.get(channel)!.map((e) => e.id),
          );
        }
        const mine = [...phase1, end1.assetKey, ...phase2, end2.assetKey, ...phase3, end3.assetKey];
        const queued = new Set(queues.get(CHANNEL)!.deliveries.map((d) => String(d.body.asset_key)));
        expect(
          mine.filter((k) => !queued.has(k)),
          'assets of this test without a queued event',
        ).toEqual([]);
        expect(logsMatching(amqpFacade, /unroutable/), 'unroutable events reported').toEqual([]);
        console.log(
          `AMQP: ${queues.get(CHANNEL)!.deliveries.length} + ${queues.get(OTHER_CHANNEL)!.deliveries.length} ` +
            `events delivered; ${interruptions().length} listener interruption(s) logged`,
        );
      },
      600_000,
    );
  });
});
