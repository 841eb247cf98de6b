import { mkdirSync, writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { connect } from '../support/client.js';
import { prepareBaseline, type BaselineTree } from './baseline.js';
import { runScenario } from './scenario.js';
import { fabric, measureCeiling } from './fabric.js';
import { benchMigration } from './migration.js';
import { embedded, postgres, type BenchServer, type BenchTarget } from './target.js';
import { median, round } from './stats.js';
import { fromProjectRoot } from '../../lib/paths.js';

/**
 * `npm run bench [-- --target embedded|postgres|fabric] [--tasks N] [--baseline <git ref>] [--rounds N] [--migration]`
 * (default: embedded and postgres, one round): measures, writes JSON and a markdown table, never fails on a number
 * (targets are judged by people, on ratios measured in one run). With `--baseline`, the ref is built in a temporary
 * worktree and each round runs both servers on each target, alternating which goes first; the table gives medians
 * over rounds and the median of the per-round ratios (this tree / baseline).
 */
const targets: Record<string, BenchTarget> = { embedded, postgres, fabric };
const IDLE_MS = 3_000;

type Figures = Record<string, number>;

async function main(): Promise<void> {
  const requested = argument('--target');
  const tasks = Number(argument('--tasks') ?? 10_000);
  const ref = argument('--baseline');
  const rounds = Number(argument('--rounds') ?? 1);
  const chosen = requested ? requested.split(',') : ['embedded', 'postgres'];
  for (const name of chosen) {
    if (!targets[name]) throw new Error(`unknown target "${name}" (known: ${Object.keys(targets).join(', ')})`);
  }
  // --migration: export/import throughput and the CLI's memory instead of the server scenario.
  if (process.argv.includes('--migration')) {
    const measured = await benchMigration(chosen, tasks);
    report({ date: new Date().toISOString(), results: measured }, markdown(measured));
    return;
  }
  let baseline: BaselineTree | undefined;
  if (ref !== undefined) {
    console.error(`[bench] building baseline ${ref} in a temporary worktree`);
    baseline = prepareBaseline(ref);
  }
  // results[target][side] = one record per round; side "current" or "baseline".
  const results: Record<string, { current: Figures[]; baseline: Figures[] }> = {};
  try {
    for (const name of chosen) {
      const target = targets[name] as BenchTarget;
      const runs = (results[name] = { current: [] as Figures[], baseline: [] as Figures[] });
      for (let r = 0; r < rounds; r++) {
        const sides: ('current' | 'baseline')[] = baseline
          ? r % 2 === 0
            ? ['current', 'baseline']
            : ['baseline', 'current']
          : ['current'];
        for (const side of sides) {
          console.error(`[bench] ${name} round ${r + 1}/${rounds}: ${side}`);
          const figures = await measure(name, target, tasks, side === 'baseline' ? baseline?.root : undefined);
          console.error(`[bench] ${name} ${side}: ${JSON.stringify(figures)}`);
          runs[side].push(figures);
        }
      }
    }
  } finally {
    baseline?.remove();
  }
  const summary = {
    date: new Date().toISOString(),
    baseline: baseline && { ref, commit: baseline.commit },
    rounds,
    results,
  };
  const table = baseline
    ? comparison(results, `${ref} (${baseline.commit.slice(0, 10)})`)
    : markdown(Object.fromEntries(Object.entries(results).map(([name, runs]) => [name, medianFigures(runs.current)])));
  report(summary, table);
}

/** Writes the summary (JSON) and the table (markdown) under bench/results, and prints the table. */
function report(summary: object, table: string): void {
  const dir = fromProjectRoot('bench/results');
  mkdirSync(dir, { recursive: true });
  const stamp = new Date().toISOString().replace(/[:.]/g, '-');
  writeFileSync(resolve(dir, `bench-${stamp}.json`), JSON.stringify(summary, null, 2));
  writeFileSync(resolve(dir, `bench-${stamp}.md`), table);
  console.log(table);
}

/** One full run of the scenario on a fresh server (and data) of `root`'s build. */
async function measure(name: string, target: BenchTarget, tasks: number, root: string | undefined): Promise<Figures> {
  const { server, restart, stop } = await target.start(root);
  let client = connect(server.address, { mspid: 'MyOrg1MSP', channel: 'mychannel', timeoutMs: 120_000 });
  try {
    const idleNew = await idleRss(server);
    const figures = await runScenario(client, server.address, tasks, 1_000, () => server.peakRssMiB());
    // The no-op ceiling only means something on Fabric: single-asset writes against an empty chaincode function.
    const ceiling = name === 'fabric' ? await measureCeiling(client) : {};
    const peak = server.peakRssMiB();
    // Start again on the data the run left (an existing folder / database).
    client.connection.close();
    const again = await restart();
    client = connect(again.address, { mspid: 'MyOrg1MSP', channel: 'mychannel', timeoutMs: 120_000 });
    await client.info.queryVersion({});
    return {
      startToListeningMs: round(server.startMs, 0),
      idleRssNewMiB: round(idleNew, 1),
      ...(figures as unknown as Figures),
      ...ceiling,
      serverPeakRssMiB: round(peak, 1),
      restartToListeningMs: round(again.startMs, 0),
      idleRssExistingMiB: round(await idleRss(again), 1),
    };
  } finally {
    client.connection.close();
    await stop();
  }
}

/** One column per target. */
function markdown(results: Record<string, Figures>): string {
  const names = Object.keys(results);
  const metrics = Object.keys(results[names[0] ?? ''] ?? {});
  const rows = metrics.map((m) => `| ${m} | ${names.map((n) => results[n]?.[m]).join(' | ')} |`);
  return [`| metric | ${names.join(' | ')} |`, `|---|${names.map(() => '---').join('|')}|`, ...rows, ''].join('\n');
}

/** With a baseline: per target, this tree, the baseline and the median of the per-round ratios. */
function comparison(results: Record<string, { current: Figures[]; baseline: Figures[] }>, label: string): string {
  const lines: string[] = [];
  for (const [name, { current, baseline }] of Object.entries(results)) {
    const ours = medianFigures(current);
    const theirs = medianFigures(baseline);
    lines.push(`### ${name}: this tree vs ${label}, ${current.length} round(s)`, '');
    lines.push('| metric | this tree | baseline | ratio (this / baseline) |', '|---|---|---|---|');
    for (const metric of Object.keys(ours)) {
      const ratios = current.map((c, i) => (c[metric] ?? Number.NaN) / (baseline[i]?.[metric] ?? Number.NaN));
      lines.push(`| ${metric} | ${ours[metric]} | ${theirs[metric] ?? ''} | ${round(median(ratios), 2)} |`);
    }
    lines.push('');
  }
  return lines.join('\n');
}

function medianFigures(runs: readonly Figures[]): Figures {
  const out: Figures = {};
  for (const metric of Object.keys(runs[0] ?? {})) out[metric] = median(runs.map((r) => r[metric] ?? Number.NaN));
  return out;
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
