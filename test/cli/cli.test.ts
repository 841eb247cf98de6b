// The `orchestrator` command as an operator runs it (node bin/orchestrator.mjs, a child process) against a real
// server: plan show in every format, DOT rendered by Graphviz itself, and events tail following the stream.
import { spawn, spawnSync } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ComputeTaskStatus } from '../../lib/asset/index.js';
import { projectRoot } from '../../lib/paths.js';
import { Connection, type OrchestratorClient } from '../support/client.js';
import { startServer, type TestServer } from '../support/server.js';
import { aggregateTask, completeWithModel, key, seedTask, setupFunction, setupPlan } from '../conformance/fixtures.js';

const OWNER = 'MyOrg1MSP';
const WORKER = 'MyOrg2MSP';
const CHANNEL = 'mychannel';

let server: TestServer;
let connection: Connection;
let planKey: string;
let taskKeys: { parent: string; children: string[] };

/** Runs the CLI to completion; its output and exit code. */
function cli(...args: string[]): { status: number | null; stdout: string; stderr: string } {
  const run = spawnSync(process.execPath, ['bin/orchestrator.mjs', ...args], {
    cwd: projectRoot(),
    encoding: 'utf8',
    timeout: 60_000,
  });
  return { status: run.status, stdout: run.stdout, stderr: run.stderr };
}

const target = () => ['--address', server.address, '--mspid', OWNER, '--channel', CHANNEL];

beforeAll(async () => {
  server = await startServer({ channels: { [CHANNEL]: [OWNER, WORKER] } });
  connection = new Connection(server.address);
  const as = (mspid: string): OrchestratorClient => connection.as({ mspid, channel: CHANNEL });
  const owner = as(OWNER);
  await owner.organization.registerOrganization({ address: '' });
  await as(WORKER).organization.registerOrganization({ address: '' });
  const modelOnly = await setupFunction(owner, 'model-only');
  const aggregate = await setupFunction(owner, 'aggregate');
  const plan = await setupPlan(owner, 'a "quoted" plan');
  const parent = { ...seedTask({ plan, fn: modelOnly, worker: WORKER }), key: key() };
  const children = [0, 1].map(() => ({
    ...aggregateTask({ plan, fn: aggregate, parents: [parent.key], worker: WORKER }),
    key: key(),
  }));
  await owner.task.registerTasks({ tasks: [parent, ...children] });
  await completeWithModel(as(WORKER), parent.key);
  planKey = plan.key;
  taskKeys = { parent: parent.key, children: children.map((c) => c.key) };
}, 120_000);

afterAll(async () => {
  connection?.close();
  await server?.stop();
});

describe('orchestrator plan show', () => {
  it('prints a table of the tasks with their status, and the counts per status', () => {
    const { status, stdout } = cli('plan', 'show', planKey, ...target());
    expect(status).toBe(0);
    expect(stdout).toContain(
      `plan ${planKey} "a "quoted" plan" by ${OWNER}: 3 tasks (WAITING_FOR_EXECUTOR_SLOT 2, DONE 1)`,
    );
    const row = (taskKey: string) =>
      stdout
        .split('\n')
        .find((line) => line.startsWith(taskKey))
        ?.split(/\s+/);
    expect(row(taskKeys.parent)?.slice(1, 3)).toEqual(['DONE', '0']);
    for (const child of taskKeys.children) {
      expect(row(child)?.slice(1, 5)).toEqual(['WAITING_FOR_EXECUTOR_SLOT', '1', WORKER, taskKeys.parent.slice(0, 8)]);
    }
  });

  it('prints DOT that Graphviz renders, one node per task coloured by status and one edge per parent', () => {
    const { status, stdout } = cli('plan', 'show', planKey, '--format', 'dot', ...target());
    expect(status).toBe(0);
    const rendered = spawnSync('dot', ['-Tjson'], { input: stdout, encoding: 'utf8' });
    expect(rendered.status, rendered.stderr).toBe(0);
    const graph = JSON.parse(rendered.stdout) as {
      objects: { name: string; fillcolor?: string; label?: string }[];
      edges: { tail: number; head: number }[];
    };
    const byName = new Map(graph.objects.map((node, index) => [node.name, { ...node, index }]));
    expect(byName.get(taskKeys.parent)?.fillcolor).toBe('#d3f9d8');
    for (const child of taskKeys.children) expect(byName.get(child)?.fillcolor).toBe('#fff3bf');
    const edges = graph.edges.map((e) => [graph.objects[e.tail]?.name, graph.objects[e.head]?.name]);
    expect(edges.sort()).toEqual(taskKeys.children.map((child) => [taskKeys.parent, child]).sort());
  });

  it('prints a Mermaid flowchart with a class per status', () => {
    const { status, stdout } = cli('plan', 'show', planKey, '--format', 'mermaid', ...target());
    expect(status).toBe(0);
    const lines = stdout.trim().split('\n');
    expect(lines[0]).toBe('flowchart TD');
    expect(lines.filter((l) => / --> /.test(l))).toHaveLength(2);
    expect(lines.filter((l) => l.includes(':::done'))).toHaveLength(1);
    expect(lines.filter((l) => l.includes(':::waiting_for_executor_slot'))).toHaveLength(2);
    expect(lines.some((l) => l.startsWith('  classDef done fill:#d3f9d8'))).toBe(true);
  });

  it('fails in one line with a non-zero exit for an unknown plan, a bad format and an unreachable server', () => {
    const unknown = cli('plan', 'show', key(), ...target());
    expect([unknown.status, unknown.stderr.trim().split('\n')]).toEqual([
      1,
      [expect.stringMatching(/^orchestrator: OE0002: /)],
    ]);
    const format = cli('plan', 'show', planKey, '--format', 'png', ...target());
    expect(format.status).not.toBe(0);
    expect(format.stderr).toMatch(/--format/);
    const nowhere = cli('plan', 'show', planKey, '--address', '127.0.0.1:1');
    expect(nowhere.status).toBe(1);
    expect(nowhere.stderr.trim().split('\n')).toHaveLength(1);
  });
});

describe('orchestrator events tail', () => {
  it('replays the history and follows live events, one JSON line each, until interrupted', async () => {
    const child = spawn(process.execPath, ['bin/orchestrator.mjs', 'events', 'tail', '--json', ...target()], {
      cwd: projectRoot(),
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const lines: string[] = [];
    let buffered = '';
    const seen = (predicate: (event: Record<string, unknown>) => boolean) =>
      new Promise<void>((resolve) => {
        const check = () => {
          if (lines.some((l) => predicate(JSON.parse(l) as Record<string, unknown>))) resolve();
        };
        child.stdout.on('data', (chunk: Buffer) => {
          buffered += chunk.toString();
          const parts = buffered.split('\n');
          buffered = parts.pop() ?? '';
          lines.push(...parts.filter((p) => p !== ''));
          check();
        });
        check();
      });
    await seen((e) => e.assetKey === taskKeys.parent && e.eventKind === 'EVENT_ASSET_CREATED');
    const livePlan = await connection
      .as({ mspid: OWNER, channel: CHANNEL })
      .plan.registerPlan({ key: key(), name: 'live' });
    await seen((e) => e.assetKey === livePlan.key);
    child.kill('SIGINT');
    const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
    expect(code).toBe(0);
    // History first, in commit order: the plan's task events come before the live plan's.
    const keys = lines.map((l) => (JSON.parse(l) as { assetKey: string }).assetKey);
    expect(keys.indexOf(taskKeys.parent)).toBeLessThan(keys.indexOf(livePlan.key));
  }, 60_000);

  it('prints readable lines and filters by event kind', async () => {
    const child = spawn(
      process.execPath,
      ['bin/orchestrator.mjs', 'events', 'tail', '--kind', 'UPDATED', ...target()],
      { cwd: projectRoot(), stdio: ['ignore', 'pipe', 'pipe'] },
    );
    let out = '';
    await new Promise<void>((resolve) => {
      child.stdout.on('data', (chunk: Buffer) => {
        out += chunk.toString();
        if (out.split('\n').length > 4) resolve();
      });
    });
    child.kill('SIGINT');
    await new Promise((resolve) => child.once('exit', resolve));
    const lines = out.trim().split('\n');
    expect(lines.every((l) => / UPDATED /.test(l))).toBe(true);
    expect(
      lines.some((l) =>
        l.includes(
          `COMPUTE_TASK ${taskKeys.parent} status=${ComputeTaskStatus[ComputeTaskStatus.STATUS_DONE]?.replace('STATUS_', '')}`,
        ),
      ),
    ).toBe(true);
  }, 60_000);
});
