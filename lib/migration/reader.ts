import { createHash } from 'node:crypto';
import { fromJson, type DescMessage, type JsonValue } from '@bufbuild/protobuf';
import { badRequest, invalidAsset } from '../errors/index.js';
import {
  emptyCounts,
  LEDGER_FORMAT,
  LEDGER_FORMAT_VERSION,
  RECORD_KINDS,
  RECORD_SCHEMAS,
  type LedgerManifest,
  type LedgerRecord,
  type RecordKind,
} from './format.js';

function parseJson(text: string, lineNumber: number): Record<string, unknown> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw invalidAsset(`ledger file line ${lineNumber} is not JSON: the file is damaged`);
  }
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) {
    throw invalidAsset(`ledger file line ${lineNumber} is not a JSON object: the file is damaged`);
  }
  return parsed as Record<string, unknown>;
}

const isRecordKind = (kind: unknown): kind is RecordKind =>
  typeof kind === 'string' && (RECORD_KINDS as string[]).includes(kind);

/** One record line as a message; InvalidAsset naming the line when it is not one. */
export function parseRecordLine(text: string, lineNumber: number): LedgerRecord {
  const line = parseJson(text, lineNumber);
  if (!isRecordKind(line.kind)) {
    throw invalidAsset(`ledger file line ${lineNumber}: unknown record kind ${JSON.stringify(line.kind)}`);
  }
  const schema: DescMessage = RECORD_SCHEMAS[line.kind];
  try {
    return { kind: line.kind, value: fromJson(schema, line.value as JsonValue) } as LedgerRecord;
  } catch (err) {
    const why = err instanceof Error ? err.message : String(err);
    throw invalidAsset(`ledger file line ${lineNumber}: not a valid ${line.kind}: ${why}`);
  }
}

/** Checks the header line: InvalidAsset for anything but a ledger file, BadRequest for another format version. */
export function checkHeader(text: string | undefined): void {
  if (text === undefined) throw invalidAsset('the ledger file is empty');
  let header: Record<string, unknown>;
  try {
    header = parseJson(text, 1);
  } catch {
    throw invalidAsset('not a ledger file written by `orchestrator export` (its first line is not JSON)');
  }
  if (header.format !== LEDGER_FORMAT) {
    throw invalidAsset(`not a ledger file written by \`orchestrator export\` (format is not "${LEDGER_FORMAT}")`);
  }
  if (header.version !== LEDGER_FORMAT_VERSION) {
    throw badRequest(
      `ledger file format version ${JSON.stringify(header.version)}; this orchestrator reads version ${LEDGER_FORMAT_VERSION}`,
    );
  }
}

function trailerOf(line: Record<string, unknown>): LedgerManifest | undefined {
  const manifest = line.manifest;
  if (manifest === null || typeof manifest !== 'object') return undefined;
  return manifest as LedgerManifest;
}

/**
 * A check of the references between records that needs only the keys: a task's plan, function and parents, a
 * sample's data managers, a model's or performance's task must be in the file. Parents may come after their
 * children (tasks of one registration share a date and are listed by key), so they are checked at the end.
 */
class References {
  private readonly keys = new Map<string, Set<string>>();
  private readonly pending: { kind: string; key: string; from: string }[] = [];

  add(kind: string, key: string): void {
    let set = this.keys.get(kind);
    if (!set) this.keys.set(kind, (set = new Set()));
    set.add(key);
  }

  require(kind: string, key: string, from: string, later = false): void {
    if (this.keys.get(kind)?.has(key)) return;
    if (later) this.pending.push({ kind, key, from });
    else throw invalidAsset(`ledger file: ${from} refers to ${kind} ${key}, which the file does not hold before it`);
  }

  settle(): void {
    for (const { kind, key, from } of this.pending) {
      if (!this.keys.get(kind)?.has(key))
        throw invalidAsset(`ledger file: ${from} refers to ${kind} ${key}, which the file does not hold`);
    }
  }

  check(record: LedgerRecord): void {
    switch (record.kind) {
      case 'function':
        this.add('function', record.value.key);
        break;
      case 'dataManager':
        this.add('data manager', record.value.key);
        break;
      case 'dataSample':
        for (const dm of record.value.dataManagerKeys)
          this.require('data manager', dm, `data sample ${record.value.key}`);
        break;
      case 'computePlan':
        this.add('compute plan', record.value.key);
        break;
      case 'computeTask': {
        const task = record.value;
        const from = `compute task ${task.key}`;
        this.add('compute task', task.key);
        this.require('compute plan', task.computePlanKey, from);
        this.require('function', task.functionKey, from);
        for (const input of task.inputs) {
          if (input.ref.case === 'parentTaskOutput')
            this.require('compute task', input.ref.value.parentTaskKey, from, true);
        }
        break;
      }
      case 'model':
        this.require('compute task', record.value.computeTaskKey, `model ${record.value.key}`, true);
        break;
      case 'performance':
        this.require('compute task', record.value.computeTaskKey, `a performance`, true);
        break;
      default:
        break;
    }
  }
}

/**
 * Reads a whole ledger file and checks it before anything is written: header and format version, every line a
 * valid record, the references between records, and the manifest (counts and SHA-256) in the last line. Keeps the
 * keys of functions, plans, data managers and tasks, not the records.
 *
 * @throws {@link OrcError} InvalidAsset for a damaged, truncated, tampered or foreign file; BadRequest for another
 * format version.
 */
export async function verifyLedger(lines: AsyncIterable<string>): Promise<LedgerManifest> {
  const hash = createHash('sha256');
  const counts = emptyCounts();
  const references = new References();
  let lineNumber = 0;
  let manifest: LedgerManifest | undefined;
  for await (const text of lines) {
    lineNumber++;
    if (manifest) {
      if (text === '') continue;
      throw invalidAsset(`ledger file line ${lineNumber} follows the manifest: the file is damaged`);
    }
    if (lineNumber === 1) {
      checkHeader(text);
      hash.update(`${text}\n`);
      continue;
    }
    const line = parseJson(text, lineNumber);
    manifest = trailerOf(line);
    if (manifest) continue;
    hash.update(`${text}\n`);
    const record = parseRecordLine(text, lineNumber);
    counts[record.kind]++;
    references.check(record);
  }
  if (lineNumber === 0) checkHeader(undefined);
  if (!manifest) throw invalidAsset('the ledger file has no manifest line: it is truncated');
  if (manifest.sha256 !== hash.digest('hex')) {
    throw invalidAsset('the ledger file does not match its checksum: it was changed or damaged after export');
  }
  for (const kind of RECORD_KINDS) {
    if (manifest.counts?.[kind] !== counts[kind]) {
      throw invalidAsset(
        `the ledger file holds ${counts[kind]} ${kind} records, its manifest says ${manifest.counts?.[kind]}`,
      );
    }
  }
  if (typeof manifest.channel !== 'string') throw invalidAsset('the ledger manifest names no channel');
  references.settle();
  return manifest;
}

/** The records of a verified file, in file order (header and manifest skipped). */
export async function* ledgerRecords(lines: AsyncIterable<string>): AsyncGenerator<LedgerRecord> {
  let lineNumber = 0;
  for await (const text of lines) {
    lineNumber++;
    if (lineNumber === 1 || text === '') continue;
    const line = parseJson(text, lineNumber);
    if (trailerOf(line)) return;
    yield parseRecordLine(text, lineNumber);
  }
}
