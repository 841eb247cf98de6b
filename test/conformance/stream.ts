// SubscribeToEvents (substra-behaviour §4.4, ARCHITECTURE §5): replay from the start or after an event id (exclusive), then live
// events, in commit order, with no gap and no duplicate, identically for every subscriber, one channel per stream.
import { describe, expect, it } from 'vitest';
import { status } from '@grpc/grpc-js';
import { ComputePlanAction, EventKind, EventSchema, SortOrder, type Event } from '../../lib/asset/index.js';
import type { OrchestratorClient, ServerStream } from '../support/client.js';
import { eventsOf, expectMessage, expectOrcError, queryAllEvents } from './assertions.js';
import type { ConformanceContext } from './context.js';
import { key, seedTask, setupFunction, setupPlan } from './fixtures.js';

/** Writes a profiling step with a fresh asset key: an event that marks "everything before this" in a stream. */
export async function writeMarker(client: OrchestratorClient): Promise<{ assetKey: string; event: Event }> {
  const assetKey = key();
  await client.profiling.registerProfilingStep({ assetKey, step: 'marker', duration: 1 });
  const [event] = await eventsOf(client, assetKey);
  if (!event) throw new Error(`marker ${assetKey} has no event`);
  return { assetKey, event };
}

/** Reads a stream up to (and including) the event about `assetKey`. */
export function readUntil(stream: ServerStream<Event>, assetKey: string, timeoutMs = 60_000): Promise<Event[]> {
  return stream.until((e) => e.assetKey === assetKey, timeoutMs);
}

function expectNoDuplicates(events: Event[], what: string): void {
  const ids = events.map((e) => e.id);
  expect(new Set(ids).size, `${what}: duplicate event ids`).toBe(ids.length);
}

/** One writer: plans created then renamed, sequentially (so their two events are ordered). */
async function planWriter(client: OrchestratorClient, count: number): Promise<string[]> {
  const keys: string[] = [];
  for (let i = 0; i < count; i++) {
    const planKey = key();
    await client.plan.registerPlan({ key: planKey, name: `live ${i}` });
    await client.plan.updatePlan({ key: planKey, name: `live ${i} renamed` });
    keys.push(planKey);
  }
  return keys;
}

/** Each writer's plans appear with CREATED then UPDATED, and each writer's plans in its own order. */
function expectWritersSeen(events: Event[], writers: string[][]): void {
  const positions = new Map<string, number[]>();
  events.forEach((e, i) => positions.set(e.assetKey, [...(positions.get(e.assetKey) ?? []), i]));
  for (const keys of writers) {
    let last = -1;
    for (const planKey of keys) {
      const at = positions.get(planKey) ?? [];
      expect(at, `events of plan ${planKey}`).toHaveLength(2);
      expect(events[at[0]!]!.eventKind).toBe(EventKind.EVENT_ASSET_CREATED);
      expect(events[at[1]!]!.eventKind).toBe(EventKind.EVENT_ASSET_UPDATED);
      expect(at[0]!, 'a writer’s requests appear in the order they committed').toBeGreaterThan(last);
      last = at[1]!;
    }
  }
}

export function streamScenarios(ctx: ConformanceContext): void {
  describe('event stream', () => {
    it('an empty start replays the whole channel history, in commit order, then stays open', async () => {
      // A known sequence of requests: their events must come back in this order.
      const planKey = key();
      await ctx.owner.plan.registerPlan({ key: planKey, name: 'replayed' });
      await ctx.owner.plan.updatePlan({ key: planKey, name: 'replayed 2' });
      await ctx.owner.plan.applyPlanAction({ key: planKey, action: ComputePlanAction.PLAN_ACTION_CANCELED });
      const marker = await writeMarker(ctx.owner);
      const history = await queryAllEvents(ctx.owner, {});

      const stream = ctx.owner.event.subscribeToEvents({});
      const replay = await readUntil(stream, marker.assetKey);
      expectNoDuplicates(replay, 'replay');
      expect(replay.map((e) => e.id).sort(), 'replay = every event of the channel').toEqual(
        history.map((e) => e.id).sort(),
      );
      expect(replay.every((e) => e.channel === ctx.channel)).toBe(true);
      const mine = replay.filter((e) => e.assetKey === planKey);
      expect(mine.map((e) => e.eventKind)).toEqual([
        EventKind.EVENT_ASSET_CREATED,
        EventKind.EVENT_ASSET_UPDATED,
        EventKind.EVENT_ASSET_UPDATED,
      ]);
      expect(mine[2]?.asset.case === 'computePlan' && mine[2].asset.value.cancelationDate).toBeTruthy();
      // Streamed events are the stored ones, field for field.
      const byId = new Map(history.map((e) => [e.id, e]));
      for (const e of replay) expectMessage(EventSchema, e, byId.get(e.id), `event ${e.id}`);
      expect(replay.at(-1)?.id).toBe(marker.event.id);
      // Nothing more to say: the stream stays open and silent.
      await expect(stream.next(300)).rejects.toThrow(/no message/);
      expect(stream.isEnded).toBe(false);
      stream.cancel();

      // A second replay is identical (same order); read as an async iterator, which cancels the call on break.
      const again: string[] = [];
      for await (const e of ctx.owner.event.subscribeToEvents({})) {
        again.push(e.id);
        if (e.assetKey === marker.assetKey) break;
      }
      expect(again).toEqual(replay.map((e) => e.id));
      // Reads the channel's whole history three times: on a long-lived network (the Fabric one keeps its ledgers
      // between runs, benchmarks included) that is far more than the default 30 s.
    }, 300_000);

    it('a start event id is exclusive: the stream resumes right after it', async () => {
      const first = await writeMarker(ctx.owner);
      const writes = await planWriter(ctx.worker, 3);
      const last = await writeMarker(ctx.owner);
      const full = ctx.owner.event.subscribeToEvents({ startEventId: first.event.id });
      const after = await readUntil(full, last.assetKey);
      full.cancel();
      expect(after[0]?.id).not.toBe(first.event.id);
      expect(after).toHaveLength(3 * 2 + 1);
      expectWritersSeen(after, [writes]);
      // Resuming from any event gives exactly the rest.
      const k = 2;
      const resumed = ctx.owner.event.subscribeToEvents({ startEventId: after[k]!.id });
      expect((await readUntil(resumed, last.assetKey)).map((e) => e.id)).toEqual(after.slice(k + 1).map((e) => e.id));
      resumed.cancel();
    });

    it('an unknown start event id is NOT_FOUND (OE0002); an id of another channel too', async () => {
      const unknown = ctx.owner.event.subscribeToEvents({ startEventId: key() });
      const err = await unknown.failed();
      expect(err?.code).toBe(status.NOT_FOUND);
      expect(err?.details).toMatch(/OE0002/);
      const other = await writeMarker(ctx.client(ctx.topology.owner, ctx.otherChannel));
      const cross = ctx.owner.event.subscribeToEvents({ startEventId: other.event.id });
      const crossErr = await cross.failed();
      expect(crossErr?.details).toMatch(/OE0002/);
      // The server is fine afterwards.
      await expectOrcError(ctx.owner.plan.getPlan({ key: key() }), 'OE0002');
    });

    it('start event ids are judged alike in every mode: either kind well-formed is NOT_FOUND, others OE0101', async () => {
      const failure = async (startEventId: string) => {
        const err = await ctx.owner.event.subscribeToEvents({ startEventId }).failed();
        return [err?.code, err?.details.slice(0, 6)];
      };
      // A standalone id and a distributed one (<tx id>:<index>): well-formed in any mode, absent here.
      expect(await failure(key())).toEqual([status.NOT_FOUND, 'OE0002']);
      expect(await failure(`${'ab'.repeat(32)}:000000`)).toEqual([status.NOT_FOUND, 'OE0002']);
      // Ids have one spelling: an upper-case UUID is not one this server could have issued.
      expect(await failure(key().toUpperCase())).toEqual([status.INVALID_ARGUMENT, 'OE0101']);
      expect(await failure('nope')).toEqual([status.INVALID_ARGUMENT, 'OE0101']);
    });

    it('live events follow the replay with no gap and no duplicate while writers run; subscribers agree', async () => {
      const start = await writeMarker(ctx.owner);
      // B subscribes before the writers: it only sees live events.
      const early = ctx.worker.event.subscribeToEvents({ startEventId: start.event.id });
      const writers = [
        planWriter(ctx.owner, 8),
        planWriter(ctx.worker, 8),
        planWriter(ctx.owner, 8),
        planWriter(ctx.worker, 8),
      ];
      // A subscribes while they write: its replay and live parts overlap and must be stitched exactly.
      await new Promise((r) => setTimeout(r, 30));
      const late = ctx.owner.event.subscribeToEvents({ startEventId: start.event.id });
      const written = await Promise.all(writers);
      const end = await writeMarker(ctx.owner);

      const fromEarly = await readUntil(early, end.assetKey);
      const fromLate = await readUntil(late, end.assetKey);
      early.cancel();
      late.cancel();
      expectNoDuplicates(fromLate, 'late subscriber');
      expect(fromLate).toHaveLength(8 * 4 * 2 + 1);
      expectWritersSeen(fromLate, written);
      expect(
        fromEarly.map((e) => e.id),
        'two subscribers see identical sequences',
      ).toEqual(fromLate.map((e) => e.id));
      // And a replay afterwards tells the same story in the same order.
      const replay = ctx.owner.event.subscribeToEvents({ startEventId: start.event.id });
      expect((await readUntil(replay, end.assetKey)).map((e) => e.id)).toEqual(fromLate.map((e) => e.id));
      replay.cancel();
    });

    it('QueryEvents tells the stream’s story: the same events in the same order, both ways, page by page', async () => {
      // Concurrent writers make commit order differ from timestamp order on Fabric, where each write lane stamps
      // its own proposal time; a client reading history then subscribing from the last id must not see a seam.
      // One call's events share a timestamp: eight tasks registered at once must keep the order they were emitted in.
      const fn = await setupFunction(ctx.owner, 'model-only');
      const plan = await setupPlan(ctx.owner);
      const tasks = Array.from({ length: 8 }, () => seedTask({ plan, fn, worker: ctx.topology.worker }));
      const start = await writeMarker(ctx.owner);
      await Promise.all([
        ctx.owner.task.registerTasks({ tasks }),
        planWriter(ctx.owner, 6),
        planWriter(ctx.worker, 6),
        planWriter(ctx.owner, 6),
        planWriter(ctx.worker, 6),
      ]);
      const end = await writeMarker(ctx.owner);
      const stream = ctx.owner.event.subscribeToEvents({ startEventId: start.event.id });
      const streamed = [start.event.id, ...(await readUntil(stream, end.assetKey)).map((e) => e.id)];
      stream.cancel();

      // Everything from the start marker on (later commits were proposed after it committed), then the markers' span.
      const between = (ids: string[]) => ids.slice(ids.indexOf(start.event.id), ids.indexOf(end.event.id) + 1);
      const since = { start: start.event.timestamp };
      for (const pageSize of [1, 7, 500]) {
        const pages = async (sort: SortOrder) => {
          const ids: string[] = [];
          let pageToken = '';
          do {
            const res = await ctx.owner.event.queryEvents({ filter: since, pageToken, pageSize, sort });
            ids.push(...res.events.map((e) => e.id));
            pageToken = res.nextPageToken;
          } while (pageToken !== '');
          return ids;
        };
        expect(between(await pages(SortOrder.ASCENDING)), `ascending, pages of ${pageSize}`).toEqual(streamed);
        const descending = (await pages(SortOrder.DESCENDING)).reverse();
        expect(between(descending), `descending, pages of ${pageSize}`).toEqual(streamed);
      }
    }, 120_000);

    it('two subscribers from the beginning see identical sequences while writers run', async () => {
      const s1 = ctx.owner.event.subscribeToEvents({});
      const s2 = ctx.worker.event.subscribeToEvents({});
      const written = await Promise.all([planWriter(ctx.owner, 5), planWriter(ctx.worker, 5)]);
      const end = await writeMarker(ctx.worker);
      const [a, b] = await Promise.all([readUntil(s1, end.assetKey), readUntil(s2, end.assetKey)]);
      s1.cancel();
      s2.cancel();
      expect(a.map((e) => e.id)).toEqual(b.map((e) => e.id));
      expectNoDuplicates(a, 'subscriber');
      expectWritersSeen(a, written);
      // Two whole-history replays: minutes on a long-lived Fabric network (see the first scenario).
    }, 300_000);

    it('a stream carries the events of its own channel only', async () => {
      const a = ctx.owner;
      const b = ctx.client(ctx.topology.owner, ctx.otherChannel);
      const startA = await writeMarker(a);
      const startB = await writeMarker(b);
      const streamA = a.event.subscribeToEvents({ startEventId: startA.event.id });
      const streamB = b.event.subscribeToEvents({ startEventId: startB.event.id });
      const shared = key();
      await a.plan.registerPlan({ key: shared, name: 'A' });
      await b.plan.registerPlan({ key: shared, name: 'B' });
      const onlyB = key();
      await b.plan.registerPlan({ key: onlyB, name: 'B only' });
      const endA = await writeMarker(a);
      const endB = await writeMarker(b);
      const eventsA = await readUntil(streamA, endA.assetKey);
      const eventsB = await readUntil(streamB, endB.assetKey);
      streamA.cancel();
      streamB.cancel();
      expect(eventsA.every((e) => e.channel === ctx.channel)).toBe(true);
      expect(eventsB.every((e) => e.channel === ctx.otherChannel)).toBe(true);
      expect(eventsA.map((e) => e.assetKey)).toEqual([shared, endA.assetKey]);
      expect(eventsB.map((e) => e.assetKey)).toEqual([shared, onlyB, endB.assetKey]);
      const planA = eventsA[0]?.asset.case === 'computePlan' ? eventsA[0].asset.value.name : '';
      expect(planA).toBe('A');
      const ids = new Set(eventsA.map((e) => e.id));
      expect(eventsB.some((e) => ids.has(e.id))).toBe(false);
    });

    it('subscribers that disconnect mid-stream do not disturb the server or other subscribers', async () => {
      const start = await writeMarker(ctx.owner);
      const healthy = ctx.worker.event.subscribeToEvents({ startEventId: start.event.id });
      // Several full replays dropped after a few events, and whole connections closed mid-replay.
      const quitters = Array.from({ length: 4 }, () => ctx.isolatedClient());
      const streams = quitters.map((c) => c.event.subscribeToEvents({}));
      await Promise.all(streams.map((s) => s.take(3)));
      streams[0]!.cancel();
      streams[1]!.cancel();
      quitters[2]!.connection.close();
      quitters[3]!.connection.close();
      // A stream whose client vanishes before reading anything.
      const ghost = ctx.isolatedClient();
      ghost.event.subscribeToEvents({});
      ghost.connection.close();
      for (const c of quitters.slice(0, 2)) c.connection.close();

      const written = await planWriter(ctx.owner, 3);
      const end = await writeMarker(ctx.owner);
      const seen = await readUntil(healthy, end.assetKey);
      healthy.cancel();
      expect(seen).toHaveLength(3 * 2 + 1);
      expectWritersSeen(seen, [written]);
      expect((await ctx.owner.info.queryVersion({})).orchestrator).toMatch(/\S/);
    });
  });
}
