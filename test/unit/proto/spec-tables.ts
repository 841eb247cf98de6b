import { existsSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';

/**
 * Reads the API tables of Substra's orchestrator 1.0 from the shared reference specification, so that our proto files
 * are checked against a source we did not write.
 */
export const SPEC_PATH = resolve(import.meta.dirname, '../../../../shared/reference/substra-spec.md');

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

/**
 * The facts the tables state (names and numbers, no prose), kept in the repository so that the check also runs where
 * the shared reference is not beside the project (a clone elsewhere, some CI set-ups). spec-snapshot.test.ts keeps
 * it equal to the reference whenever the reference is there.
 */
export const SNAPSHOT_PATH = resolve(import.meta.dirname, 'substra-api.json');

interface Snapshot {
  rpcs: SpecRpc[];
  enums: Record<string, Record<string, number>>;
  messages: Record<string, SpecMessage>;
}

export function specAvailable(): boolean {
  return existsSync(SPEC_PATH);
}

/** The reference's tables: parsed from the reference when it is there, else from the committed snapshot. */
export function readSpec(): SpecApi {
  return specAvailable() ? parseSpec() : fromSnapshot(JSON.parse(readFileSync(SNAPSHOT_PATH, 'utf8')) as Snapshot);
}

export function toSnapshot(api: SpecApi): string {
  const snapshot: Snapshot = {
    rpcs: api.rpcs,
    enums: Object.fromEntries([...api.enums].map(([name, values]) => [name, Object.fromEntries(values)])),
    messages: Object.fromEntries(api.messages),
  };
  return `${JSON.stringify(snapshot, null, 2)}\n`;
}

function fromSnapshot(snapshot: Snapshot): SpecApi {
  return {
    rpcs: snapshot.rpcs,
    enums: new Map(Object.entries(snapshot.enums).map(([name, values]) => [name, new Map(Object.entries(values))])),
    messages: new Map(Object.entries(snapshot.messages)),
  };
}

export function parseSpec(): SpecApi {
  const text = readFileSync(SPEC_PATH, 'utf8');
  const section = (start: string, end: string): string => {
    const from = text.indexOf(start);
    const to = text.indexOf(end, from + start.length);
    if (from < 0 || to < 0) throw new Error(`section "${start}" not found in ${SPEC_PATH}`);
    return text.slice(from, to);
  };
  return {
    rpcs: parseRpcs(section('### 1.2 Services and RPCs', '### 1.3')),
    enums: parseEnums(section('### 1.3 Enums', '### 1.4')),
    messages: parseMessages(section('### 1.4 Messages', '#### Field usage notes')),
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
