// Durability of the embedded mode: kill -9 of the server while 8 clients write, five times on one folder. After
// each restart every acknowledged write and its event are there, and a subscriber resuming from the last event it
// received sees exactly the rest of the log: no gap, no duplicate.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { Event } from '../../lib/asset/index.js';
import { channelConfigFor, DEFAULT_TOPOLOGY } from '../conformance/context.js';
import { newFunction } from '../conformance/fixtures.js';
import { connect, type OrchestratorClient } from '../support/client.js';
import { startServer, type TestServer } from '../support/server.js';

const ROUNDS = 5;
const WRITERS = 8;
/** Acknowledged writes per round before the kill (the writers keep going until it lands). */
const ACKS_BEFORE_KILL = 40;

const root = mkdtempSync(join(tmpdir(), 'orc-crash-'));
const dataDir = join(root, 'data');
afterAll(() => rmSync(root, { recursive: true, force: true }));

const identity = { mspid: 'MyOrg1MSP', channel: 'mychannel', timeoutMs: 30_000 };

function start(): Promise<TestServer> {
  return startServer({ env: { ORCHESTRATOR_DATA_DIR: dataDir }, channels: channelConfigFor(DEFAULT_TOPOLOGY) });
}

/** The whole channel log through QueryEvents (in embedded mode the same order as the stream). */
async function allEvents(client: OrchestratorClient): Promise<Event[]> {
  const out: Event[] = [];
  let pageToken = '';
  do {
    const page = await client.event.queryEvents({ pageToken, pageSize: 500 });
    out.push(...page.events);
    pageToken = page.nextPageToken;
  } while (pageToken !== '');
  return out;
}

describe('kill -9 during concurrent writes', () => {
  it(`keeps every acknowledged write and its event, ${ROUNDS} times; a resumed subscriber sees no gap or duplicate`, async () => {
    const acknowledged: string[] = [];
    /** Event ids the subscriber received, across every round and restart, in order. */
    const received: string[] = [];

    for (let round = 0; round < ROUNDS; round++) {
      const server = await start();
      const client = connect(server.address, identity);
      try {
        // What survived the previous kill: every acknowledged write, and an event for each.
        const log = await allEvents(client);
        const ids = log.map((e) => e.id);
        expect(new Set(ids).size).toBe(ids.length);
        const withEvent = new Set(log.map((e) => e.assetKey));
        for (const key of acknowledged) {
          expect((await client.function.getFunction({ key })).key).toBe(key);
          expect(withEvent.has(key)).toBe(true);
        }
        // The subscriber resumes after the last event it received; what it gets is exactly the rest of the log.
        const resumed = client.event.subscribeToEvents({ startEventId: received.at(-1) ?? '' });
        const rest = await resumed.take(log.length - received.length);
        received.push(...rest.map((e) => e.id));
        expect(received).toEqual(ids);

        if (round === 0) await client.organization.registerOrganization({ address: '' });
        // Eight writers until enough writes are acknowledged, then the kill lands in the middle of their calls.
        let killed = false;
        const writers = Array.from({ length: WRITERS }, async () => {
          while (!killed) {
            const fn = newFunction('model-only');
            try {
              await client.function.registerFunction(fn);
            } catch {
              if (killed) return; // the call the kill interrupted: not acknowledged, may or may not exist
              throw new Error('a write failed before the kill');
            }
            // Acknowledged, even if the answer crossed the kill: it was committed before it was sent.
            acknowledged.push(fn.key as string);
            if (killed) return;
            if (acknowledged.length >= (round + 1) * ACKS_BEFORE_KILL) {
              killed = true;
              process.kill(server.pid, 'SIGKILL');
            }
          }
        });
        await Promise.all(writers);
        // The subscriber was live during the writes: it must have kept up in order until the kill.
        received.push(...resumed.received.slice(rest.length).map((e) => e.id));
        resumed.cancel();
      } finally {
        client.connection.close();
        await server.stop();
      }
    }

    const server = await start();
    const client = connect(server.address, identity);
    try {
      const ids = (await allEvents(client)).map((e) => e.id);
      expect(received).toEqual(ids.slice(0, received.length));
      for (const key of acknowledged) expect((await client.function.getFunction({ key })).key).toBe(key);
    } finally {
      client.connection.close();
      await server.stop();
    }
  }, 600_000);
});
