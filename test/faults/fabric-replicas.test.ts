// Replicas of one organization's Fabric facade (issue 15 items 2 and 3) on the real network (network/up.sh): two
// facades serve the same organizations. A write sent under an `idempotency-key` to a facade that is then killed -9
// is retried on the other: the chaincode finds the key's record in world state, written by the first transaction,
// and answers the original response — one effect, never ALREADY_EXISTS.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, it } from 'vitest';
import { channelConfigFor, DEFAULT_TOPOLOGY, type Topology } from '../conformance/context.js';
import { connect, RpcError } from '../support/client.js';
import { ensureFabricNetwork } from '../support/fabric-network.js';
import { startServer, type TestServer } from '../support/server.js';
import { checkHeaderRules, retryEverything, writeUntilKilled } from './retries.js';

const topology: Topology = { ...DEFAULT_TOPOLOGY, restricted: undefined };
const identity = { mspid: topology.owner, channel: topology.channels[0], timeoutMs: 60_000 };

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
});
