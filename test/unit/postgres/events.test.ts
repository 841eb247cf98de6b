// Event positions, replay and live notifications.
import { fromBinary } from '@bufbuild/protobuf';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  eventPosition,
  listenEvents,
  postgresDBAL,
  readEncodedEventsAfter,
  readEventsAfter,
  runInTransaction,
  type EventNotification,
} from '../../../lib/postgres/index.js';
import { EventSchema } from '../../../lib/asset/index.js';
import { ENGINES, freshChannel, startEngine, type Engine } from './engines.js';
import { event } from './fixtures.js';

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

async function until(check: () => boolean, timeoutMs = 5_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error('timed out waiting');
    await sleep(10);
  }
}

describe.each(ENGINES)('events on %s', (engineName) => {
  let engine: Engine;
  beforeAll(async () => {
    engine = await startEngine(engineName);
  });
  afterAll(async () => {
    await engine?.close();
  });

  const write = (channel: string, ids: string[]) =>
    runInTransaction(engine.db, { readOnly: false }, (q) =>
      postgresDBAL(q, channel).addEvents(ids.map((id) => event(id, `asset-${id}`))),
    );

  it('numbers events in emission order and replays a channel after a position', async () => {
    const [a, b] = [freshChannel(), freshChannel()];
    await write(a, ['a1', 'a2', 'a3']);
    await write(b, ['b1']);
    await write(a, ['a4']);
    const p1 = await eventPosition(engine.db, a, 'a1');
    const p3 = await eventPosition(engine.db, a, 'a3');
    expect(p1).toBeTypeOf('bigint');
    expect(p3).toBe((p1 as bigint) + 2n);
    expect(await eventPosition(engine.db, b, 'a1')).toBeUndefined();
    expect(await eventPosition(engine.db, a, 'unknown')).toBeUndefined();

    const all = await readEventsAfter(engine.db, a, 0n, 100);
    expect(all.map((e) => e.event.id)).toEqual(['a1', 'a2', 'a3', 'a4']);
    expect(all.every((e) => e.event.channel === a)).toBe(true);
    const after = await readEventsAfter(engine.db, a, p3 as bigint, 100);
    expect(after.map((e) => e.event.id)).toEqual(['a4']);
    expect((await readEventsAfter(engine.db, a, 0n, 2)).map((e) => e.event.id)).toEqual(['a1', 'a2']);
    // Also usable inside a transaction.
    const inTx = await runInTransaction(engine.db, { readOnly: true }, (q) => readEventsAfter(q, b, 0n, 10));
    expect(inTx.map((e) => e.event.id)).toEqual(['b1']);

    // The wire form streams send decodes to the same events, channel included, at the same positions.
    const encoded = await readEncodedEventsAfter(engine.db, a, 0n, 100);
    expect(encoded.map((e) => e.position)).toEqual(all.map((e) => e.position));
    expect(encoded.map((e) => fromBinary(EventSchema, e.bytes))).toEqual(all.map((e) => e.event));
  });

  it('notifies channel and last position at commit, never for a rollback', async () => {
    const ch = freshChannel();
    const seen: EventNotification[] = [];
    const unlisten = await listenEvents(engine.db, (n) => {
      if (n.channel === ch) seen.push(n);
    });
    try {
      await write(ch, ['n1', 'n2']);
      await until(() => seen.length === 1);
      expect(seen[0]?.position).toBe(await eventPosition(engine.db, ch, 'n2'));
      await runInTransaction(engine.db, { readOnly: false }, async (q) => {
        await postgresDBAL(q, ch).addEvents([event('gone', 'x')]);
        throw new Error('rollback');
      }).catch(() => undefined);
      await write(ch, ['n3']);
      await until(() => seen.length === 2);
      expect(seen[1]?.position).toBe(await eventPosition(engine.db, ch, 'n3'));
    } finally {
      await unlisten();
    }
  });

  it.runIf(engineName === 'postgres')(
    'become visible in commit order: a poller never sees a position below one it saw',
    async () => {
      const ch = freshChannel();
      const writers = 6;
      const txPerWriter = 15;
      let attemptsTotal = 0;
      let done = false;
      const seen: bigint[] = [];

      // A subscriber: polls for events after the last one it saw. If a position could become visible after a higher
      // one, it would be skipped forever and `seen` would miss it.
      const poller = (async () => {
        let last = 0n;
        for (;;) {
          const finished = done;
          const batch = await readEventsAfter(engine.db, ch, last, 1_000);
          for (const { position } of batch) seen.push(position);
          last = batch[batch.length - 1]?.position ?? last;
          if (finished && batch.length === 0) return;
          await sleep(1);
        }
      })();

      const writer = async (w: number) => {
        for (let i = 0; i < txPerWriter; i++) {
          await runInTransaction(engine.db, { readOnly: false, retryBudgetMs: 10_000 }, async (q) => {
            attemptsTotal++;
            const n = 1 + ((w + i) % 3);
            await postgresDBAL(q, ch).addEvents(
              Array.from({ length: n }, (_, k) => event(`w${w}-t${i}-e${k}`, `asset-${w}`)),
            );
            // Widen the window between position allocation and commit.
            await sleep(Math.random() * 3);
          });
        }
      };
      await Promise.all(Array.from({ length: writers }, (_, w) => writer(w)));
      done = true;
      await poller;

      const positions = (await readEventsAfter(engine.db, ch, 0n, 100_000)).map((e) => e.position);
      const expected = Array.from({ length: writers }, (_, w) =>
        Array.from({ length: txPerWriter }, (_, i) => 1 + ((w + i) % 3)).reduce((a, b) => a + b, 0),
      ).reduce((a, b) => a + b, 0);
      expect(positions).toHaveLength(expected);
      expect(seen).toEqual(positions);
      // The lock-then-sequence scheme makes concurrent event writers queue instead of aborting each other.
      expect(attemptsTotal).toBe(writers * txPerWriter);
    },
  );

  it.runIf(engineName === 'postgres')('a listener reconnects after losing its connection and reports it', async () => {
    const ch = freshChannel();
    const seen: bigint[] = [];
    let reconnects = 0;
    const unlisten = await listenEvents(
      engine.db,
      (n) => {
        if (n.channel === ch) seen.push(n.position);
      },
      { onReconnect: () => reconnects++ },
    );
    const admin = new pg.Client(engine.url);
    await admin.connect();
    try {
      await admin.query("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE query LIKE 'LISTEN%'");
      await until(() => reconnects === 1);
      await runInTransaction(engine.db, { readOnly: false }, (q) =>
        postgresDBAL(q, ch).addEvents([event('after-reconnect', 'x')]),
      );
      await until(() => seen.length === 1);
    } finally {
      await admin.end();
      await unlisten();
    }
  });
});
