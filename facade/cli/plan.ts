// `orchestrator plan show KEY`: a compute plan's task DAG with each task's status, as a table, or as a Mermaid or
// Graphviz DOT graph coloured by status that renders as is.
import {
  ComputePlanService,
  ComputeTaskService,
  ComputeTaskStatus,
  type ComputePlan,
  type ComputeTask,
} from '../../lib/asset/index.js';
import { rowOf } from '../../lib/api/index.js';
import type { OrchestratorConnection } from './client.js';

export type PlanFormat = 'table' | 'mermaid' | 'dot';
export const PLAN_FORMATS: readonly PlanFormat[] = ['table', 'mermaid', 'dot'];

interface PlanGraph {
  plan: ComputePlan;
  /** By rank, then key: parents before children. */
  tasks: ComputeTask[];
  /** [parent key, child key], once per pair. */
  edges: [string, string][];
}

const PAGE_SIZE = 1000;

/** Reads the plan and all its tasks (following page tokens), and the parent → child edges their inputs name. */
export async function loadPlanGraph(connection: OrchestratorConnection, key: string): Promise<PlanGraph> {
  const plan = await connection.call(rowOf(ComputePlanService.method.getPlan), { key });
  const tasks: ComputeTask[] = [];
  let pageToken = '';
  do {
    const page = await connection.call(rowOf(ComputeTaskService.method.queryTasks), {
      pageSize: PAGE_SIZE,
      pageToken,
      filter: { computePlanKey: key },
    });
    tasks.push(...page.tasks);
    pageToken = page.nextPageToken;
  } while (pageToken !== '');
  tasks.sort((a, b) => a.rank - b.rank || (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  const edges = new Map<string, [string, string]>();
  for (const task of tasks) {
    for (const input of task.inputs) {
      if (input.ref.case !== 'parentTaskOutput') continue;
      const parent = input.ref.value.parentTaskKey;
      edges.set(`${parent} ${task.key}`, [parent, task.key]);
    }
  }
  return { plan, tasks, edges: [...edges.values()] };
}

/** "STATUS_WAITING_FOR_EXECUTOR_SLOT" → "WAITING_FOR_EXECUTOR_SLOT". */
export function statusName(status: ComputeTaskStatus): string {
  return (ComputeTaskStatus[status] ?? String(status)).replace(/^STATUS_/, '');
}

/** Fill and border colour of each status: grey waiting, yellow ready, blue running, green done, red/orange ended. */
const COLOURS: Record<string, { fill: string; stroke: string }> = {
  UNKNOWN: { fill: '#eeeeee', stroke: '#9e9e9e' },
  WAITING_FOR_BUILDER_SLOT: { fill: '#eeeeee', stroke: '#9e9e9e' },
  BUILDING: { fill: '#e0e0f8', stroke: '#5c6bc0' },
  WAITING_FOR_PARENT_TASKS: { fill: '#eeeeee', stroke: '#9e9e9e' },
  WAITING_FOR_EXECUTOR_SLOT: { fill: '#fff3bf', stroke: '#f08c00' },
  EXECUTING: { fill: '#d0ebff', stroke: '#1971c2' },
  DONE: { fill: '#d3f9d8', stroke: '#2f9e44' },
  FAILED: { fill: '#ffe3e3', stroke: '#e03131' },
  CANCELED: { fill: '#ffe8cc', stroke: '#e8590c' },
};
const colour = (status: string) => COLOURS[status] ?? COLOURS.UNKNOWN!;

/** Tasks per status, in the state machine's order. */
function statusCounts(tasks: readonly ComputeTask[]): [string, number][] {
  const counts = new Map<string, number>();
  for (const name of Object.keys(COLOURS)) counts.set(name, 0);
  for (const task of tasks) counts.set(statusName(task.status), (counts.get(statusName(task.status)) ?? 0) + 1);
  return [...counts].filter(([, n]) => n > 0);
}

const short = (key: string): string => key.slice(0, 8);

function renderTable({ plan, tasks, edges }: PlanGraph): string {
  const parents = new Map<string, string[]>();
  for (const [parent, child] of edges) parents.set(child, [...(parents.get(child) ?? []), short(parent)]);
  const rows = [
    ['TASK', 'STATUS', 'RANK', 'WORKER', 'PARENTS'],
    ...tasks.map((t) => [t.key, statusName(t.status), String(t.rank), t.worker, (parents.get(t.key) ?? []).join(',')]),
  ];
  const widths = rows[0]!.map((_, column) => Math.max(...rows.map((row) => row[column]!.length)));
  const lines = rows.map((row) =>
    row
      .map((cell, column) => cell.padEnd(widths[column]!))
      .join('  ')
      .trimEnd(),
  );
  const counts = statusCounts(tasks)
    .map(([status, n]) => `${status} ${n}`)
    .join(', ');
  return [
    `plan ${plan.key} "${plan.name}" by ${plan.owner}: ${tasks.length} tasks${counts ? ` (${counts})` : ''}`,
    '',
    ...lines,
  ].join('\n');
}

/** Mermaid label text: quotes become #quot; (Mermaid's entity syntax), so any plan name renders. */
const mermaidText = (text: string): string => text.replace(/"/g, '#quot;');

function renderMermaid({ plan, tasks, edges }: PlanGraph): string {
  const id = new Map(tasks.map((t, i) => [t.key, `t${i}`]));
  const lines = ['flowchart TD', `  %% plan ${plan.key}: ${mermaidText(plan.name)}`];
  for (const task of tasks) {
    const status = statusName(task.status);
    lines.push(`  ${id.get(task.key)}["${short(task.key)}<br/>${status}"]:::${status.toLowerCase()}`);
  }
  for (const [parent, child] of edges) {
    // A parent outside the plan cannot be drawn as a node of it; its edge is left out.
    if (id.has(parent)) lines.push(`  ${id.get(parent)} --> ${id.get(child)}`);
  }
  for (const [status] of statusCounts(tasks)) {
    const { fill, stroke } = colour(status);
    lines.push(`  classDef ${status.toLowerCase()} fill:${fill},stroke:${stroke},color:#212529`);
  }
  return lines.join('\n');
}

/** DOT string literal. */
const dotString = (text: string): string => `"${text.replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"`;

function renderDot({ plan, tasks, edges }: PlanGraph): string {
  const keys = new Set(tasks.map((t) => t.key));
  const lines = [
    `digraph ${dotString(`plan ${plan.key}`)} {`,
    `  label=${dotString(`${plan.name} (${plan.key})`)};`,
    '  rankdir=TB;',
    '  node [shape=box, style="rounded,filled", fontname="Helvetica"];',
  ];
  for (const task of tasks) {
    const status = statusName(task.status);
    const { fill, stroke } = colour(status);
    lines.push(
      `  ${dotString(task.key)} [label=${dotString(`${short(task.key)}\n${status}`)}, fillcolor="${fill}", color="${stroke}"];`,
    );
  }
  for (const [parent, child] of edges) {
    if (keys.has(parent)) lines.push(`  ${dotString(parent)} -> ${dotString(child)};`);
  }
  lines.push('}');
  return lines.join('\n');
}

export function renderPlan(graph: PlanGraph, format: PlanFormat): string {
  switch (format) {
    case 'table':
      return renderTable(graph);
    case 'mermaid':
      return renderMermaid(graph);
    case 'dot':
      return renderDot(graph);
  }
}
