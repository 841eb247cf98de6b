import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';

/**
 * The API tables of Substra's orchestrator 1.0, committed beside this file, so that our proto files are checked
 * against a source we did not write from the repository alone (no file outside it, no skipped test in a clone).
 */
export const SPEC_PATH = resolve(import.meta.dirname, 'substra-api.md');

export interface SpecField {
  number: number;
  name: string;
  type: string;
  label: string;
}

export interface SpecMessage {
  name: string;
  file: string;
  fields: SpecField[];
  reservedNumbers: number[];
  reservedNames: string[];
}

export interface SpecRpc {
  service: string;
  file: string;
  rpc: string;
  request: string;
  response: string;
  streaming: string;
}

export interface SpecApi {
  rpcs: SpecRpc[];
  enums: Map<string, Map<string, number>>;
  messages: Map<string, SpecMessage>;
}

export function parseSpec(): SpecApi {
  const text = readFileSync(SPEC_PATH, 'utf8');
  /** From the `start` heading to the next `### ` heading or the end. */
  const section = (start: string): string => {
    const from = text.indexOf(start);
    if (from < 0) throw new Error(`section "${start}" not found in ${SPEC_PATH}`);
    const to = text.indexOf('\n### ', from + start.length);
    return text.slice(from, to < 0 ? undefined : to);
  };
  return {
    rpcs: parseRpcs(section('### 1.2 Services and RPCs')),
    enums: parseEnums(section('### 1.3 Enums')),
    messages: parseMessages(section('### 1.4 Messages')),
  };
}

const cells = (line: string): string[] =>
  line
    .split('|')
    .slice(1, -1)
    .map((c) => c.trim());

function parseRpcs(section: string): SpecRpc[] {
  const rows = section
    .split('\n')
    .filter((l) => l.startsWith('| ') && !l.startsWith('| Service') && !l.startsWith('|---'));
  return rows.map((line) => {
    const [serviceCell = '', rpcCell = '', request = '', response = '', streaming = ''] = cells(line);
    const [, service = '', file = ''] = /^(\w+) \(([\w.]+)\)$/.exec(serviceCell) ?? [];
    return { service, file, rpc: rpcCell.split(' ')[0] ?? '', request, response, streaming };
  });
}

function parseEnums(section: string): Map<string, Map<string, number>> {
  const enums = new Map<string, Map<string, number>>();
  for (const line of section.split('\n')) {
    const match = /^- \*\*(\w+)\*\* \([\w.]+\): (.*)$/.exec(line);
    if (!match?.[1] || match[2] === undefined) continue;
    const values = new Map<string, number>();
    const body = match[2].split('; reserved')[0] ?? '';
    for (const pair of body.split(', ')) {
      const [name, value] = pair.split('=');
      if (name && value !== undefined) values.set(name.trim(), Number(value));
    }
    enums.set(match[1], values);
  }
  return enums;
}

function parseMessages(section: string): Map<string, SpecMessage> {
  const messages = new Map<string, SpecMessage>();
  let file = '';
  let current: SpecMessage | undefined;
  for (const line of section.split('\n')) {
    const fileHeading = /^#### ([\w.]+\.proto)$/.exec(line);
    if (fileHeading?.[1]) {
      file = fileHeading[1];
      continue;
    }
    const heading = /^\*\*(\w+)\*\*(.*)$/.exec(line);
    if (heading?.[1]) {
      const rest = heading[2] ?? '';
      current = { name: heading[1], file, fields: [], reservedNumbers: [], reservedNames: [] };
      const reserved = /Reserved: ([\d, ]+); (.*)$/.exec(rest);
      if (reserved?.[1] && reserved[2]) {
        current.reservedNumbers = reserved[1].split(',').map((n) => Number(n.trim()));
        current.reservedNames = [...reserved[2].matchAll(/"(\w+)"/g)].map((m) => m[1] ?? '');
      }
      messages.set(current.name, current);
      continue;
    }
    const row = /^\| (\d+) \|/.exec(line);
    if (row && current) {
      const [number = '', name = '', type = '', label = ''] = cells(line);
      current.fields.push({ number: Number(number), name, type, label });
    }
  }
  return messages;
}
