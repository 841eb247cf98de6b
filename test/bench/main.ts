import { mkdirSync, writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { connect } from '../support/client.js';
import { runScenario } from './scenario.js';
import { fabric, measureCeiling } from './fabric.js';
import { benchMigration } from './migration.js';
import { embedded, postgres, type BenchServer, type BenchTarget } from './target.js';
import { round } from './stats.js';
import { fromProjectRoot } from '../../lib/paths.js';

/**
 * `npm run bench [-- --target embedded|postgres|fabric] [--tasks N] [--migration]` (default: embedded and postgres): measures, writes JSON and a markdown table, never fails on a
 * number (targets are judged by people, on ratios measured in one run).
 */
const targets: Record<string, BenchTarget> = { embedded, postgres, fabric };
const IDLE_MS = 3_000;

async function main(): Promise<void> {
  const requested = argument('--target');
  const tasks = Number(argument('--tasks') ?? 10_000);
  const chosen = requested ? [requested] : ['embedded', 'postgres'];
  // --migration: export/import throughput and the CLI's memory instead of the server scenario.
  const migration = process.argv.includes('--migration');
  const results: Record<string, Record<string, number>> = migration ? await benchMigration(chosen, tasks) : {};
  for (const name of migration ? [] : chosen) {
    const target = targets[name];
    if (!target) throw new Error(`unknown target "${name}" (known: ${Object.keys(targets).join(', ')})`);
    console.error(`[bench] ${name}: starting`);
    const { server, restart, stop } = await target.start();
    let client = connect(server.address, { mspid: 'MyOrg1MSP', channel: 'mychannel', timeoutMs: 120_000 });
    try {
      const idleNew = await idleRss(server);
      const figures = await runScenario(client, tasks);
      // The no-op ceiling only means something on Fabric: single-asset writes against an empty chaincode function.
      const ceiling = name === 'fabric' ? await measureCeiling(client) : {};
      const peak = server.peakRssMiB();
      // Start again on the data the run left (an existing folder / database).
      client.connection.close();
      const again = await restart();
      client = connect(again.address, { mspid: 'MyOrg1MSP', channel: 'mychannel', timeoutMs: 120_000 });
      await client.info.queryVersion({});
      results[name] = {
        startToListeningMs: round(server.startMs, 0),
        idleRssNewMiB: round(idleNew, 1),
        ...(figures as unknown as Record<string, number>),
        ...ceiling,
        serverPeakRssMiB: round(peak, 1),
        restartToListeningMs: round(again.startMs, 0),
        idleRssExistingMiB: round(await idleRss(again), 1),
      };
      console.error(`[bench] ${name}: ${JSON.stringify(results[name])}`);
    } finally {
      client.connection.close();
      await stop();
    }
  }
  const dir = fromProjectRoot('bench/results');
  mkdirSync(dir, { recursive: true });
  const stamp = new Date().toISOString().replace(/[:.]/g, '-');
  writeFileSync(
    resolve(dir, `bench-${stamp}.json`),
    JSON.stringify({ date: new Date().toISOString(), results }, null, 2),
  );
  const table = markdown(results);
  writeFileSync(resolve(dir, `bench-${stamp}.md`), table);
  console.log(table);
}

function markdown(results: Record<string, Record<string, number>>): string {
  const names = Object.keys(results);
  const metrics = Object.keys(results[names[0] ?? ''] ?? {});
  const rows = metrics.map((m) => `| ${m} | ${names.map((n) => results[n]?.[m]).join(' | ')} |`);
  return [`| metric | ${names.join(' | ')} |`, `|---|${names.map(() => '---').join('|')}|`, ...rows, ''].join('\n');
}

/** Resident memory after the server has been idle for a while (start-up garbage has had time to be collected). */
async function idleRss(server: BenchServer): Promise<number> {
  await new Promise((resolve) => setTimeout(resolve, IDLE_MS));
  return server.rssMiB();
}

function argument(flag: string): string | undefined {
  const index = process.argv.indexOf(flag);
  return index >= 0 ? process.argv[index + 1] : undefined;
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
