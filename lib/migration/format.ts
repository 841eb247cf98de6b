// The ledger file written by `orchestrator export` and read by import (docs/ledger-file.md): NDJSON, one header
// line, one line per record, one trailer line holding the manifest. Every line is canonical JSON (keys sorted at
// every depth) of protobuf's JSON mapping, so the same ledger gives the same bytes whatever mode it was read from.
import type { DescMessage, MessageShape } from '@bufbuild/protobuf';
import {
  ComputePlanSchema,
  ComputeTaskSchema,
  DataManagerSchema,
  DataSampleSchema,
  EventSchema,
  FailureReportSchema,
  FunctionSchema,
  ModelSchema,
  OrganizationSchema,
  PerformanceSchema,
} from '../asset/index.js';

/** The `format` of the header and manifest: tells a ledger file from any other NDJSON. */
export const LEDGER_FORMAT = 'orchestrator-ts.ledger';

/** Bumped whenever a reader of the previous version could misread a file of the new one. */
export const LEDGER_FORMAT_VERSION = 1;

/** The record kinds, in the order their sections appear in a file, with the message each line holds. */
export const RECORD_SCHEMAS = {
  organization: OrganizationSchema,
  function: FunctionSchema,
  dataManager: DataManagerSchema,
  dataSample: DataSampleSchema,
  computePlan: ComputePlanSchema,
  computeTask: ComputeTaskSchema,
  model: ModelSchema,
  failureReport: FailureReportSchema,
  performance: PerformanceSchema,
  event: EventSchema,
} as const satisfies Record<string, DescMessage>;

export type RecordKind = keyof typeof RECORD_SCHEMAS;

export const RECORD_KINDS = Object.keys(RECORD_SCHEMAS) as RecordKind[];

/** One record of a ledger file: an asset as the API returns it, or one event of the history. */
export type LedgerRecord = {
  [K in RecordKind]: { kind: K; value: MessageShape<(typeof RECORD_SCHEMAS)[K]> };
}[RecordKind];

/** The first line. */
export interface LedgerHeader {
  format: string;
  version: number;
}

/** The last line's `manifest`: what the file holds, and the checksum of every byte before the trailer line. */
export interface LedgerManifest extends LedgerHeader {
  channel: string;
  /** Records per kind (every kind present, 0 included). */
  counts: Record<RecordKind, number>;
  /** Lowercase hex SHA-256 of the header and record lines, newlines included. */
  sha256: string;
}

export function emptyCounts(): Record<RecordKind, number> {
  return Object.fromEntries(RECORD_KINDS.map((kind) => [kind, 0])) as Record<RecordKind, number>;
}
