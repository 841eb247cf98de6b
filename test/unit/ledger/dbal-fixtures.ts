// Asset builders for the DBAL contract suite. Only the public asset schemas are used, and every builder returns a
// fully consistent asset (owners and workers are registered organizations, tasks point at stored plans and
// functions...) so that a backend with foreign keys (PostgreSQL) accepts the same fixtures as the ledger.
import { randomUUID } from 'node:crypto';
import { create, equals, toJson, type DescMessage, type MessageShape } from '@bufbuild/protobuf';
import type { Timestamp } from '@bufbuild/protobuf/wkt';
import { expect } from 'vitest';
import {
  AssetKind,
  ComputePlanSchema,
  ComputeTaskOutputAssetSchema,
  ComputeTaskSchema,
  ComputeTaskStatus,
  DataManagerSchema,
  DataSampleSchema,
  ErrorType,
  EventKind,
  EventSchema,
  FailedAssetKind,
  FailureReportSchema,
  FunctionSchema,
  FunctionStatus,
  ModelSchema,
  OrganizationSchema,
  PerformanceSchema,
  type ComputePlan,
  type ComputeTask,
  type ComputeTaskOutputAsset,
  type DataManager,
  type DataSample,
  type Event,
  type FailureReport,
  type Function as OrcFunction,
  type Model,
  type Organization,
  type Performance,
} from '../../../lib/asset/index.js';
import type { Page, PageRequest } from '../../../lib/persistence/index.js';

/** Seconds of the base instant of every fixture (2023-11-14). */
const BASE_SECONDS = 1_700_000_000n;

/** BASE + `us` microseconds. */
export function at(us: number): Timestamp {
  const seconds = BASE_SECONDS + BigInt(Math.floor(us / 1_000_000));
  const nanos = (us % 1_000_000) * 1000;
  return { $typeName: 'google.protobuf.Timestamp', seconds, nanos };
}

export function microsOf(ts: Timestamp | undefined): bigint {
  return ts ? ts.seconds * 1_000_000n + BigInt(Math.trunc(ts.nanos / 1000)) : 0n;
}

/** Lower-case UUIDs: unique per run, so a backend may reuse one database across tests (one channel each). */
export const uuid = (): string => randomUUID();

/** A fixed UUID numbered `n` (decimal), for scenarios that must write the same keys on every run. */
export const fixedUuid = (n: number): string => `00000000-0000-4000-8000-${String(n).padStart(12, '0')}`;

/** Organization ids: lower-case alphanumerics only, so every collation orders them like bytes. */
export const orgId = (): string => `org${randomUUID().replaceAll('-', '').slice(0, 12)}`;

const addressable = (n: number) => ({
  checksum: n.toString(16).padStart(64, 'a'),
  storageAddress: `https://storage.example.com/${n}`,
});

const permission = (ids: string[], isPublic = false) => ({ public: isPublic, authorizedIds: ids });

export function organization(id: string, createdAt: number): Organization {
  return create(OrganizationSchema, { id, creationDate: at(createdAt), address: `https://${id}.example.com:9000` });
}

export function fn(owner: string, createdAt: number, key = uuid()): OrcFunction {
  return create(FunctionSchema, {
    key,
    name: `function ${key.slice(0, 8)}`,
    description: addressable(1),
    archive: addressable(2),
    permissions: { process: permission([owner]), download: permission([owner], true) },
    owner,
    creationDate: at(createdAt),
    metadata: { framework: 'torch', version: '2', '10': 'ten', '9': 'nine' },
    inputs: {
      model: { kind: AssetKind.ASSET_MODEL, multiple: true, optional: true },
      opener: { kind: AssetKind.ASSET_DATA_MANAGER },
      datasamples: { kind: AssetKind.ASSET_DATA_SAMPLE, multiple: true },
    },
    outputs: { model: { kind: AssetKind.ASSET_MODEL }, perf: { kind: AssetKind.ASSET_PERFORMANCE } },
    status: FunctionStatus.WAITING,
    image: { checksum: '', storageAddress: '' }, // present but empty, as RegisterFunction builds it
  });
}

export function dataManager(owner: string, createdAt: number, key = uuid()): DataManager {
  return create(DataManagerSchema, {
    key,
    name: `manager ${key.slice(0, 8)}`,
    owner,
    permissions: { process: permission([owner]), download: permission([owner]) },
    description: addressable(3),
    opener: addressable(4),
    type: 'images',
    creationDate: at(createdAt),
    logsPermission: permission([owner]),
    metadata: { source: 'hospital' },
  });
}

export function dataSample(owner: string, createdAt: number, managers: string[], key = uuid()): DataSample {
  return create(DataSampleSchema, {
    key,
    dataManagerKeys: managers,
    owner,
    checksum: 'c'.repeat(64),
    creationDate: at(createdAt),
  });
}

export function plan(owner: string, createdAt: number, key = uuid()): ComputePlan {
  return create(ComputePlanSchema, {
    key,
    owner,
    creationDate: at(createdAt),
    tag: 'tag',
    name: `plan ${key.slice(0, 8)}`,
    metadata: { b: '2', a: '1' },
  });
}

export interface TaskInit {
  plan: ComputePlan;
  function: OrcFunction;
  worker: string;
  createdAt: number;
  status?: ComputeTaskStatus;
  /** Parent task keys; each becomes a parent_task_output input. */
  parents?: string[];
  key?: string;
  rank?: number;
}

export function task(init: TaskInit): ComputeTask {
  const key = init.key ?? uuid();
  const owner = init.plan.owner;
  return create(ComputeTaskSchema, {
    key,
    functionKey: init.function.key,
    owner,
    computePlanKey: init.plan.key,
    rank: init.rank ?? (init.parents?.length ? 1 : 0),
    status: init.status ?? ComputeTaskStatus.STATUS_WAITING_FOR_EXECUTOR_SLOT,
    worker: init.worker,
    creationDate: at(init.createdAt),
    logsPermission: permission([owner, init.worker]),
    metadata: { round: '1', z: 'last', a: 'first' },
    inputs: [
      ...(init.parents ?? []).map((parent) => ({
        identifier: 'model',
        ref: { case: 'parentTaskOutput' as const, value: { parentTaskKey: parent, outputIdentifier: 'model' } },
      })),
      { identifier: 'opener', ref: { case: 'assetKey' as const, value: uuid() } },
    ],
    outputs: {
      model: { permissions: { process: permission([owner]), download: permission([owner]) }, transient: true },
      perf: { permissions: { process: permission([], true), download: permission([], true) }, transient: false },
    },
  });
}

export function model(taskOf: ComputeTask, createdAt: number, key = uuid()): Model {
  return create(ModelSchema, {
    key,
    computeTaskKey: taskOf.key,
    address: addressable(5),
    permissions: { process: permission([taskOf.owner]), download: permission([taskOf.owner]) },
    owner: taskOf.worker,
    creationDate: at(createdAt),
  });
}

/** `value` must be exact in float32 (the ledger and PostgreSQL both keep float32 precision). */
export function performance(taskOf: ComputeTask, identifier: string, createdAt: number, value = 0.75): Performance {
  return create(PerformanceSchema, {
    computeTaskKey: taskOf.key,
    computeTaskOutputIdentifier: identifier,
    performanceValue: value,
    creationDate: at(createdAt),
  });
}

export function outputAsset(taskOf: ComputeTask, identifier: string, assetKey: string): ComputeTaskOutputAsset {
  return create(ComputeTaskOutputAssetSchema, {
    computeTaskKey: taskOf.key,
    computeTaskOutputIdentifier: identifier,
    assetKind: AssetKind.ASSET_MODEL,
    assetKey,
  });
}

export function failureReport(assetKey: string, owner: string, createdAt: number, withLogs = true): FailureReport {
  return create(FailureReportSchema, {
    assetKey,
    errorType: withLogs ? ErrorType.EXECUTION : ErrorType.INTERNAL,
    ...(withLogs ? { logsAddress: addressable(6) } : {}),
    creationDate: at(createdAt),
    owner,
    assetType: FailedAssetKind.FAILED_ASSET_COMPUTE_TASK,
  });
}

export interface EventInit {
  id?: string;
  assetKey: string;
  assetKind?: AssetKind;
  eventKind?: EventKind;
  at: number;
  metadata?: Record<string, string>;
  asset?: Event['asset'];
}

export function event(init: EventInit): Event {
  return create(EventSchema, {
    id: init.id ?? uuid(),
    assetKey: init.assetKey,
    assetKind: init.assetKind ?? AssetKind.ASSET_COMPUTE_PLAN,
    eventKind: init.eventKind ?? EventKind.EVENT_ASSET_CREATED,
    timestamp: at(init.at),
    metadata: init.metadata ?? {},
    asset: init.asset ?? { case: undefined },
  });
}

/** Protobuf equality (maps compared as sets, message presence significant), with a readable diff on failure. */
export function expectProto<Desc extends DescMessage>(
  desc: Desc,
  actual: MessageShape<Desc> | undefined,
  expected: MessageShape<Desc>,
): void {
  expect(actual, `${desc.typeName} missing`).toBeDefined();
  if (!equals(desc, actual as MessageShape<Desc>, expected)) {
    expect(toJson(desc, actual as MessageShape<Desc>)).toEqual(toJson(desc, expected));
    expect.fail(`${desc.typeName} differs (in presence or an unmapped detail)`);
  }
}

export function expectProtoList<Desc extends DescMessage>(
  desc: Desc,
  actual: MessageShape<Desc>[],
  expected: MessageShape<Desc>[],
): void {
  expect(actual.map((m) => toJson(desc, m))).toEqual(expected.map((m) => toJson(desc, m)));
  actual.forEach((m, i) => expectProto(desc, m, expected[i] as MessageShape<Desc>));
}

/** Creation date, then key: the order of every keyed list. */
export function byDateThenKey<T extends { creationDate?: Timestamp; key: string }>(a: T, b: T): number {
  const d = microsOf(a.creationDate) - microsOf(b.creationDate);
  if (d !== 0n) return d < 0n ? -1 : 1;
  return a.key < b.key ? -1 : a.key > b.key ? 1 : 0;
}

/**
 * Reads a whole list page by page and checks the paging rules: every page but the last is full, the last has an
 * empty token (no trailing empty page when the total is a multiple of the size), and nothing repeats.
 */
export async function readAllPages<T>(
  fetch: (page: PageRequest) => Promise<Page<T>>,
  size: number,
  identify: (item: T) => string,
): Promise<T[]> {
  const out: T[] = [];
  let token = '';
  for (let guard = 0; guard < 10_000; guard++) {
    const page = await fetch({ token, size });
    expect(page.items.length).toBeLessThanOrEqual(size);
    out.push(...page.items);
    if (page.nextToken === '') {
      const ids = out.map(identify);
      expect(new Set(ids).size, 'an item was returned twice').toBe(ids.length);
      return out;
    }
    expect(page.items.length, 'a page with a next token must be full').toBe(size);
    token = page.nextToken;
  }
  throw new Error('pagination did not end');
}
