// Migration between modes through the operator command, as an operator runs it (node bin/orchestrator.mjs): a
// ledger filled through the API is exported, imported into a fresh server of every mode, exported again, and the
// two files must be byte-identical; then work goes on in the target and a subscriber resumes from an old event id.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ComputeTaskStatus, EventKind } from '../../lib/asset/index.js';
import { projectRoot } from '../../lib/paths.js';
import { Connection, type OrchestratorClient } from '../support/client.js';
import { startTestPostgres, type TestPostgres } from '../support/postgres.js';
import { startServer, type TestServer } from '../support/server.js';
import { finishTask, registerModel, startTask } from '../conformance/fixtures.js';
import { fillLedger, take, type FilledLedger } from './ledger.js';

const OWNER = 'MyOrg1MSP';
const WORKER = 'MyOrg2MSP';
const CHANNEL = 'mychannel';
const MODES = ['embedded', 'postgres'] as const;
type Mode = (typeof MODES)[number];

let postgres: TestPostgres;
let databases = 0;
let dir: string;
const running: TestServer[] = [];
const connections: Connection[] = [];

/** A fresh server of `mode` (PostgreSQL: a new database of the shared test server). */
async function startTarget(mode: Mode, env: Record<string, string> = { ORCHESTRATOR_ALLOW_IMPORT: 'true' }) {
  let url: string | undefined;
  if (mode === 'postgres') {
    const name = `target_${++databases}`;
    const admin = new pg.Client({ connectionString: postgres.url });
    await admin.connect();
    await admin.query(`CREATE DATABASE ${name}`);
    await admin.end();
    const parsed = new URL(postgres.url);
    parsed.pathname = `/${name}`;
    url = parsed.toString();
  }
  const server = await startServer({
    channels: { [CHANNEL]: [OWNER, WORKER] },
    env: { ...env, ...(url ? { ORCHESTRATOR_DATABASE_URL: url } : {}) },
  });
  running.push(server);
  const connection = new Connection(server.address);
  connections.push(connection);
  const as = (mspid: string): OrchestratorClient => connection.as({ mspid, channel: CHANNEL });
  return { server, owner: as(OWNER), worker: as(WORKER) };
}

/** Runs the CLI to completion. */
function cli(...args: string[]): { status: number | null; stdout: string; stderr: string } {
  const run = spawnSync(process.execPath, ['bin/orchestrator.mjs', ...args], {
    cwd: projectRoot(),
    encoding: 'utf8',
    timeout: 120_000,
  });
  return { status: run.status, stdout: run.stdout, stderr: run.stderr };
}

const at = (server: TestServer) => ['--address', server.address, '--mspid', OWNER, '--channel', CHANNEL];

function exportTo(server: TestServer, file: string): Buffer {
  const run = cli('export', '--out', file, ...at(server));
  expect(run.status, run.stderr).toBe(0);
  return readFileSync(file);
}

/** The ids of the file's event lines, in file order. */
function eventIds(file: Buffer): string[] {
  return file
    .toString('utf8')
    .split('\n')
    .filter((line) => line.startsWith('{"kind":"event"'))
    .map((line) => (JSON.parse(line) as { value: { id: string } }).value.id);
}

const sources = new Map<Mode, { file: Buffer; filled: FilledLedger }>();

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'orc-migration-'));
  postgres = await startTestPostgres();
  for (const mode of MODES) {
    const source = await startTarget(mode, {});
    const filled = await fillLedger(source.owner, source.worker);
    sources.set(mode, { file: exportTo(source.server, join(dir, `${mode}.ndjson`)), filled });
  }
}, 300_000);

afterAll(async () => {
  for (const connection of connections) connection.close();
  await Promise.all(running.map((server) => server.stop()));
  await postgres?.stop();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe('orchestrator export', () => {
  it('writes the same bytes for the same ledger, with a manifest that counts every kind', () => {
    const { file } = sources.get('embedded')!;
    const lines = file.toString('utf8').trimEnd().split('\n');
    expect(JSON.parse(lines[0]!)).toEqual({ format: 'orchestrator-ts.ledger', version: 1 });
    const { manifest } = JSON.parse(lines.at(-1)!) as { manifest: { counts: Record<string, number>; channel: string } };
    expect(manifest.channel).toBe(CHANNEL);
    expect(manifest.counts).toMatchObject({
      organization: 2,
      function: 5,
      dataManager: 2,
      dataSample: 5,
      computePlan: 3,
      computeTask: 7,
      model: 3,
      failureReport: 2,
      performance: 1,
    });
    expect(manifest.counts.event).toBe(eventIds(file).length);
  });
});

describe.each(MODES.flatMap((from) => MODES.map((to) => [from, to] as const)))('import %s → %s', (from, to) => {
  it('round-trips byte for byte, then work and subscribers go on where they were', async () => {
    const { file, filled } = sources.get(from)!;
    const target = await startTarget(to);
    const path = join(dir, `${from}-to-${to}.ndjson`);
    writeFileSync(path, file);
    const imported = cli('import', '--in', path, ...at(target.server));
    expect(imported.status, imported.stderr).toBe(0);
    expect(imported.stdout).toMatch(/^imported \d+ records into mychannel/);

    expect(exportTo(target.server, join(dir, `${from}-to-${to}.again.ndjson`)).equals(file)).toBe(true);

    // A task of an imported plan runs to DONE.
    await startTask(target.worker, filled.pending);
    await registerModel(target.worker, filled.pending);
    await finishTask(target.worker, filled.pending);
    expect((await target.owner.task.getTask({ key: filled.pending })).status).toBe(ComputeTaskStatus.STATUS_DONE);

    // A backend that had read up to some old event resumes after it: the rest of the history, then the new work.
    const ids = eventIds(file);
    const last = Math.floor(ids.length / 2);
    const resumed = await take(
      target.owner.event.subscribeToEvents({ startEventId: ids[last]! }),
      ids.length - last - 1 + 1,
    );
    expect(resumed.slice(0, -1).map((e) => e.id)).toEqual(ids.slice(last + 1));
    expect([resumed.at(-1)?.assetKey, resumed.at(-1)?.eventKind]).toEqual([
      filled.pending,
      EventKind.EVENT_ASSET_UPDATED,
    ]);
  }, 120_000);
});
