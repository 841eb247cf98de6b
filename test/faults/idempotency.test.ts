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
import { channelConfigFor, DEFAULT_TOPOLOGY } from '../conformance/context.js';
import { newFunction } from '../conformance/fixtures.js';
import { connect, failureOf } from '../support/client.js';
import { startTestPostgres, type TestPostgres } from '../support/postgres.js';
import { startServer, type TestServer } from '../support/server.js';
import { checkHeaderRules, retryEverything, writeUntilKilled } from './retries.js';

const identity = { mspid: 'MyOrg1MSP', channel: 'mychannel', timeoutMs: 30_000 };
const channels = channelConfigFor(DEFAULT_TOPOLOGY);
const load = { writers: 8, acksBeforeKill: 40 };
const withKey = (key: string) => ({ metadata: { 'idempotency-key': key } });

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
    const sent = await writeUntilKilled(
      toA,
      () => {
        killedAt = Date.now();
        process.kill(a.pid, 'SIGKILL');
      },
      load,
    );
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
    const sent = await writeUntilKilled(
      client,
      () => {
        killedAt = Date.now();
        process.kill(first.pid, 'SIGKILL');
      },
      load,
    );
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
