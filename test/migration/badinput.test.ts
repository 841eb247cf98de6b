// What import refuses, each as one line and exit 1 from the operator command, with nothing written: a truncated,
// tampered or foreign file, another format version, a dangling reference, a channel that is not empty, a server
// that does not allow imports.
import { createHash } from 'node:crypto';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SortOrder } from '../../lib/asset/index.js';
import { projectRoot } from '../../lib/paths.js';
import { Connection, type OrchestratorClient } from '../support/client.js';
import { startServer, type TestServer } from '../support/server.js';
import { fillLedger } from './ledger.js';

const OWNER = 'MyOrg1MSP';
const WORKER = 'MyOrg2MSP';
const CHANNEL = 'mychannel';

let dir: string;
let good: string;
let source: TestServer;
let target: TestServer;
let closed: TestServer;
let connection: Connection;

function cli(...args: string[]): { status: number | null; stdout: string; stderr: string } {
  const run = spawnSync(process.execPath, ['bin/orchestrator.mjs', ...args], {
    cwd: projectRoot(),
    encoding: 'utf8',
    timeout: 120_000,
  });
  return { status: run.status, stdout: run.stdout, stderr: run.stderr };
}

const at = (server: TestServer) => ['--address', server.address, '--mspid', OWNER, '--channel', CHANNEL];
const as = (server: TestServer, mspid = OWNER): OrchestratorClient =>
  (connection ??= new Connection(server.address)).as({ mspid, channel: CHANNEL });

/** Writes `text` as a file and imports it into `server`; the one line of stderr. */
function importText(server: TestServer, name: string, text: string): { status: number | null; error: string } {
  const path = join(dir, name);
  writeFileSync(path, text);
  const run = cli('import', '--in', path, ...at(server));
  const lines = run.stderr.trim().split('\n');
  return { status: run.status, error: lines.at(-1) ?? '' };
}

/** Re-seals an edited file: recomputes counts and checksum, so only the edit itself is wrong. */
function reseal(lines: string[]): string {
  const records = lines.slice(1);
  const counts: Record<string, number> = {};
  for (const kind of [
    'organization',
    'function',
    'dataManager',
    'dataSample',
    'computePlan',
    'computeTask',
    'model',
    'failureReport',
    'performance',
    'event',
  ])
    counts[kind] = 0;
  for (const line of records) counts[(JSON.parse(line) as { kind: string }).kind]! += 1;
  const body = [lines[0]!, ...records].map((l) => `${l}\n`).join('');
  const sha256 = createHash('sha256').update(body).digest('hex');
  return `${body}${JSON.stringify({ manifest: { channel: CHANNEL, counts, format: 'orchestrator-ts.ledger', sha256, version: 1 } })}\n`;
}

async function expectEmpty(server: TestServer): Promise<void> {
  const client = new Connection(server.address).as({ mspid: OWNER, channel: CHANNEL });
  try {
    expect((await client.organization.getAllOrganizations({})).organizations).toEqual([]);
    expect((await client.event.queryEvents({ pageSize: 1, sort: SortOrder.ASCENDING })).events).toEqual([]);
  } finally {
    client.connection.close();
  }
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'orc-badimport-'));
  const channels = { [CHANNEL]: [OWNER, WORKER] };
  source = await startServer({ channels });
  target = await startServer({ channels, env: { ORCHESTRATOR_ALLOW_IMPORT: 'true' } });
  closed = await startServer({ channels });
  await fillLedger(as(source), as(source, WORKER));
  good = join(dir, 'good.ndjson');
  const run = cli('export', '--out', good, ...at(source));
  expect(run.status, run.stderr).toBe(0);
}, 300_000);

afterAll(async () => {
  connection?.close();
  await Promise.all([source, target, closed].map((s) => s?.stop()));
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe('orchestrator import refuses, in one line, writing nothing', () => {
  it('a truncated file', async () => {
    const text = readFileSync(good, 'utf8');
    const result = importText(target, 'truncated.ndjson', text.slice(0, Math.floor(text.length * 0.6)));
    expect(result).toEqual({ status: 1, error: expect.stringMatching(/^orchestrator: OE0101: .*(truncated|damaged)/) });
    await expectEmpty(target);
  });

  it('a file changed after export', async () => {
    const text = readFileSync(good, 'utf8').replace('"finished, renamed"', '"finished, tampered"');
    const result = importText(target, 'tampered.ndjson', text);
    expect(result).toEqual({ status: 1, error: expect.stringMatching(/^orchestrator: OE0101: .*checksum/) });
    await expectEmpty(target);
  });

  it('a file that is no ledger file', async () => {
    const result = importText(target, 'foreign.ndjson', readFileSync(join(projectRoot(), 'package.json'), 'utf8'));
    expect(result).toEqual({ status: 1, error: expect.stringMatching(/^orchestrator: OE0101: not a ledger file/) });
    await expectEmpty(target);
  });

  it('another format version', async () => {
    const lines = readFileSync(good, 'utf8').trimEnd().split('\n').slice(0, -1);
    lines[0] = '{"format":"orchestrator-ts.ledger","version":2}';
    const result = importText(target, 'version.ndjson', reseal(lines));
    expect(result).toEqual({ status: 1, error: expect.stringMatching(/^orchestrator: OE0003: .*format version 2/) });
    await expectEmpty(target);
  });

  it('a task whose parent is not in the file', async () => {
    const lines = readFileSync(good, 'utf8').trimEnd().split('\n').slice(0, -1);
    const parentOf = lines.findIndex((l) => l.startsWith('{"kind":"computeTask"') && l.includes('"transient":true'));
    expect(parentOf).toBeGreaterThan(0);
    lines.splice(parentOf, 1);
    const result = importText(target, 'dangling.ndjson', reseal(lines));
    expect(result).toEqual({
      status: 1,
      error: expect.stringMatching(/^orchestrator: OE0101: .*refers to compute task/),
    });
    await expectEmpty(target);
  });

  it('a server started without ORCHESTRATOR_ALLOW_IMPORT', async () => {
    const run = cli('import', '--in', good, ...at(closed));
    expect([run.status, run.stderr.trim().split('\n').at(-1)]).toEqual([
      1,
      expect.stringMatching(/^orchestrator: OE0003: .*ORCHESTRATOR_ALLOW_IMPORT=true/),
    ]);
    await expectEmpty(closed);
  });

  it('a channel that already holds assets', async () => {
    const client = new Connection(target.address).as({ mspid: OWNER, channel: CHANNEL });
    await client.organization.registerOrganization({ address: '' });
    client.connection.close();
    const run = cli('import', '--in', good, ...at(target));
    expect([run.status, run.stderr.trim().split('\n').at(-1)]).toEqual([
      1,
      expect.stringMatching(/^orchestrator: OE0003: channel mychannel already holds assets/),
    ]);
    const after = new Connection(target.address).as({ mspid: OWNER, channel: CHANNEL });
    expect((await after.organization.getAllOrganizations({})).organizations).toHaveLength(1);
    after.connection.close();
  });
});
