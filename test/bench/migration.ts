// `npm run bench -- --migration [--target embedded|postgres] [--tasks N]`: export and import throughput (records
// per second) and the CLI's peak resident memory, for a plan of N tasks (each batch's tasks children of the
// previous batch's) on each target. The CLI runs as an operator runs it (dist/facade/cli/main.js, a child
// process); its peak RSS is VmHWM read from /proc while it runs.
import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AssetKind, FunctionAction } from '../../lib/asset/index.js';
import { projectRoot } from '../../lib/paths.js';
import { connect, type OrchestratorClient } from '../support/client.js';
import { startTestPostgres } from '../support/postgres.js';
import { round } from './stats.js';
import { startBenchServer, type BenchServer } from './target.js';

const ORG = 'MyOrg1MSP';
const BATCH = 1_000;
const checksum = 'a'.repeat(64);
const addressable = { checksum, storageAddress: 'http://storage.local/x' };

export async function fill(client: OrchestratorClient, tasks: number): Promise<void> {
  await client.organization.registerOrganization({});
  const functionKey = randomUUID();
  await client.function.registerFunction({
    key: functionKey,
    name: 'train',
    description: addressable,
    archive: addressable,
    newPermissions: { public: true, authorizedIds: [] },
    inputs: { model: { kind: AssetKind.ASSET_MODEL, optional: true } },
    outputs: { model: { kind: AssetKind.ASSET_MODEL } },
  });
  await client.function.applyFunctionAction({ functionKey, action: FunctionAction.BUILDING });
  await client.function.applyFunctionAction({ functionKey, action: FunctionAction.READY });
  const planKey = randomUUID();
  await client.plan.registerPlan({ key: planKey, name: 'bench' });
  let previous: string[] = [];
  for (let done = 0; done < tasks; done += BATCH) {
    const batch = Array.from({ length: Math.min(BATCH, tasks - done) }, (_, i) => ({
      key: randomUUID(),
      functionKey,
      computePlanKey: planKey,
      worker: ORG,
      inputs: previous[i]
        ? [
            {
              identifier: 'model',
              ref: {
                case: 'parentTaskOutput' as const,
                value: { parentTaskKey: previous[i]!, outputIdentifier: 'model' },
              },
            },
          ]
        : [],
      outputs: { model: { permissions: { public: true, authorizedIds: [] } } },
    }));
    await client.task.registerTasks({ tasks: batch });
    previous = batch.map((t) => t.key);
  }
}

/** Runs the CLI; its wall time and peak RSS. */
function runCli(args: string[]): Promise<{ seconds: number; peakMiB: number; stdout: string }> {
  const started = performance.now();
  const child = spawn(process.execPath, [join(projectRoot(), 'dist/facade/cli/main.js'), ...args], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let peakKb = 0;
  const sample = setInterval(() => {
    try {
      const status = readFileSync(`/proc/${child.pid}/status`, 'utf8');
      peakKb = Math.max(peakKb, Number(/VmHWM:\s+(\d+) kB/.exec(status)?.[1] ?? 0));
    } catch {
      // exited between two samples
    }
  }, 20);
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
  child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
  return new Promise((resolve, reject) =>
    child.once('exit', (code) => {
      clearInterval(sample);
      if (code !== 0) reject(new Error(`orchestrator ${args[0]} exited ${code}: ${stderr}`));
      else resolve({ seconds: (performance.now() - started) / 1000, peakMiB: peakKb / 1024, stdout });
    }),
  );
}

const recordsOf = (file: string): number => {
  const text = readFileSync(file, 'utf8').trimEnd();
  const { manifest } = JSON.parse(text.slice(text.lastIndexOf('\n') + 1)) as {
    manifest: { counts: Record<string, number> };
  };
  return Object.values(manifest.counts).reduce((a, b) => a + b, 0);
};

interface Started {
  server: BenchServer;
  stop(): Promise<void>;
}

async function startTarget(name: string): Promise<Started> {
  const env = { ORCHESTRATOR_ALLOW_IMPORT: 'true' };
  if (name === 'embedded') {
    const server = await startBenchServer(env);
    return { server, stop: () => server.stop() };
  }
  const pg = await startTestPostgres();
  const server = await startBenchServer({ ...env, ORCHESTRATOR_DATABASE_URL: pg.url });
  return {
    server,
    stop: async () => {
      await server.stop();
      await pg.stop();
    },
  };
}

export async function benchMigration(
  targets: string[],
  tasks: number,
): Promise<Record<string, Record<string, number>>> {
  const results: Record<string, Record<string, number>> = {};
  const dir = mkdtempSync(join(tmpdir(), 'orc-bench-migration-'));
  try {
    for (const name of targets) {
      const file = join(dir, `${name}.ndjson`);
      const source = await startTarget(name);
      const at = (s: BenchServer) => ['--address', s.address, '--mspid', ORG, '--channel', 'mychannel'];
      let exported;
      try {
        const client = connect(source.server.address, { mspid: ORG, channel: 'mychannel', timeoutMs: 600_000 });
        console.error(`[bench] ${name}: registering ${tasks} tasks`);
        await fill(client, tasks);
        client.connection.close();
        console.error(`[bench] ${name}: export`);
        exported = await runCli(['export', '--out', file, ...at(source.server)]);
      } finally {
        await source.stop();
      }
      const target = await startTarget(name);
      let imported;
      try {
        console.error(`[bench] ${name}: import`);
        imported = await runCli(['import', '--in', file, ...at(target.server)]);
      } finally {
        await target.stop();
      }
      const records = recordsOf(file);
      results[name] = {
        tasks,
        records,
        exportRecordsPerSecond: round(records / exported.seconds, 0),
        exportCliPeakRssMiB: round(exported.peakMiB, 1),
        importRecordsPerSecond: round(records / imported.seconds, 0),
        importCliPeakRssMiB: round(imported.peakMiB, 1),
      };
      console.error(`[bench] ${name}: ${JSON.stringify(results[name])}`);
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  return results;
}
