// Idempotent retries across a crash (issue 15 item 3), on real processes: a client writes with an `idempotency-key`
// header, the replica that served it is killed (-9) — some calls were answered, some were cut off — and every call
// is retried with the same key on another replica (PostgreSQL: a second process on the same database; embedded: the
// same data folder reopened). Each retry must answer OK with the original response: one effect, one event, never
// ALREADY_EXISTS. A key reused with another body is refused with INVALID_ARGUMENT.
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Function as OrcFunction } from '../../lib/asset/index.js';
import { channelConfigFor, DEFAULT_TOPOLOGY } from '../conformance/context.js';
import { newFunction } from '../conformance/fixtures.js';
import { connect, failureOf, type OrchestratorClient } from '../support/client.js';
import { startTestPostgres, type TestPostgres } from '../support/postgres.js';
import { startServer, type TestServer } from '../support/server.js';

const WRITERS = 8;
const ACKS_BEFORE_KILL = 40;
const identity = { mspid: 'MyOrg1MSP', channel: 'mychannel', timeoutMs: 30_000 };
const channels = channelConfigFor(DEFAULT_TOPOLOGY);

const withKey = (key: string) => ({ metadata: { 'idempotency-key': key } });

interface Sent {
  key: string;
  request: ReturnType<typeof newFunction>;
  answer?: OrcFunction;
}

/**
 * Eight writers on `client`, each write under a fresh key, until ACKS_BEFORE_KILL are answered; then `kill` lands
 * in the middle of their calls. Returns every write sent, answered or not.
 */
async function writeUntilKilled(client: OrchestratorClient, kill: () => void): Promise<Sent[]> {
  const sent: Sent[] = [];
  let acks = 0;
  let killed = false;
  const writers = Array.from({ length: WRITERS }, async () => {
    while (!killed) {
      const entry: Sent = { key: randomUUID(), request: newFunction('model-only') };
      sent.push(entry);
      try {
        entry.answer = await client.function.registerFunction(entry.request, withKey(entry.key));
      } catch {
        if (killed) return;
        throw new Error('a write failed before the kill');
      }
      if (++acks === ACKS_BEFORE_KILL) {
        killed = true;
        kill();
      }
    }
  });
  await Promise.all(writers);
  return sent;
}

/** Retries every write on `client` with its key, and checks there was exactly one effect each. */
async function retryEverything(client: OrchestratorClient, sent: Sent[], killedAt: number): Promise<void> {
  let committedUnanswered = 0;
  for (const entry of sent) {
    const again = await client.function.registerFunction(entry.request, withKey(entry.key));
    if (entry.answer) expect(again).toEqual(entry.answer);
    else if (Number(again.creationDate?.seconds) * 1000 < killedAt) committedUnanswered++;
    expect((await client.function.getFunction({ key: entry.request.key as string })).key).toBe(entry.request.key);
    // One effect: one event for the function, and the same request without the key conflicts with it.
    const events = await client.event.queryEvents({ filter: { assetKey: entry.request.key as string } });
    expect(events.events).toHaveLength(1);
  }
  const unanswered = sent.filter((entry) => !entry.answer).length;
  console.log(
    `idempotent retries: ${sent.length} writes, ${unanswered} cut off by kill -9, ` +
      `${committedUnanswered} of those had committed (answered from the record)`,
  );
  const [status, code] = await failureOf(() => client.function.registerFunction(sent[0]!.request));
  expect([status, code]).toEqual(['ALREADY_EXISTS', 'OE0006']);
}

/** What every mode must do with the header besides retries. */
async function checkHeaderRules(client: OrchestratorClient): Promise<void> {
  const key = randomUUID();
  const first = await client.function.registerFunction(newFunction('model-only'), withKey(key));
  // Another body (here another function) under a used key: refused, and nothing written.
  const other = newFunction('model-only');
  const [status, code] = await failureOf(() => client.function.registerFunction(other, withKey(key)));
  expect([status, code]).toEqual(['INVALID_ARGUMENT', 'OE0101']);
  expect(await failureOf(() => client.function.getFunction({ key: other.key as string }))).toEqual([
    'NOT_FOUND',
    'OE0002',
  ]);
  // Another RPC under the same key is another request too.
  expect(
    await failureOf(() => client.function.updateFunction({ key: first.key, name: 'renamed' }, withKey(key))),
  ).toEqual(['INVALID_ARGUMENT', 'OE0101']);
  // A malformed key on a write: refused before anything runs.
  for (const bad of ['', 'a,b', 'x'.repeat(129), 'with space']) {
    expect(await failureOf(() => client.function.registerFunction(other, withKey(bad)))).toEqual([
      'INVALID_ARGUMENT',
      'OE0101',
    ]);
  }
  // Reads ignore the header, whatever it holds.
  expect((await client.function.getFunction({ key: first.key }, withKey('a,b'))).key).toBe(first.key);
}

describe('idempotent retries, PostgreSQL replicas', () => {
  let postgres: TestPostgres;
  const servers: TestServer[] = [];
  beforeAll(async () => {
    postgres = await startTestPostgres();
  }, 120_000);
  afterAll(async () => {
    await Promise.all(servers.map((server) => server.stop()));
    await postgres?.stop();
  });

  it('a write retried on another replica after kill -9 of the one that served it has one effect', async () => {
    const start = async () => {
      const server = await startServer({ channels, env: { ORCHESTRATOR_DATABASE_URL: postgres.url } });
      servers.push(server);
      return server;
    };
    const [a, b] = [await start(), await start()];
    const toA = connect(a.address, identity);
    const toB = connect(b.address, identity);
    await toA.organization.registerOrganization({ address: '' });
    let killedAt = 0;
    const sent = await writeUntilKilled(toA, () => {
      killedAt = Date.now();
      process.kill(a.pid, 'SIGKILL');
    });
    await retryEverything(toB, sent, killedAt);
    await checkHeaderRules(toB);
  }, 180_000);
});

describe('idempotent retries, embedded', () => {
  const root = mkdtempSync(join(tmpdir(), 'orc-idem-'));
  const dataDir = join(root, 'data');
  const servers: TestServer[] = [];
  afterAll(async () => {
    await Promise.all(servers.map((server) => server.stop()));
    rmSync(root, { recursive: true, force: true });
  });

  const start = async (env: Record<string, string> = {}) => {
    const server = await startServer({ channels, env: { ORCHESTRATOR_DATA_DIR: dataDir, ...env } });
    servers.push(server);
    return server;
  };

  it('a write retried after kill -9 and restart on the same folder has one effect', async () => {
    const first = await start();
    const client = connect(first.address, identity);
    await client.organization.registerOrganization({ address: '' });
    let killedAt = 0;
    const sent = await writeUntilKilled(client, () => {
      killedAt = Date.now();
      process.kill(first.pid, 'SIGKILL');
    });
    await first.stop();
    const second = await start();
    await retryEverything(connect(second.address, identity), sent, killedAt);
    await checkHeaderRules(connect(second.address, identity));
    await second.stop();
  }, 180_000);

  it('a key is forgotten once its window (ORCHESTRATOR_IDEMPOTENCY_WINDOW) has passed', async () => {
    const server = await start({ ORCHESTRATOR_DATA_DIR: join(root, 'window'), ORCHESTRATOR_IDEMPOTENCY_WINDOW: '1s' });
    const client = connect(server.address, identity);
    await client.organization.registerOrganization({ address: '' });
    const key = randomUUID();
    await client.function.registerFunction(newFunction('model-only'), withKey(key));
    const other = newFunction('model-only');
    expect(await failureOf(() => client.function.registerFunction(other, withKey(key)))).toEqual([
      'INVALID_ARGUMENT',
      'OE0101',
    ]);
    await new Promise((resolve) => setTimeout(resolve, 1_200));
    expect((await client.function.registerFunction(other, withKey(key))).key).toBe(other.key);
    await server.stop();
  }, 60_000);
});
