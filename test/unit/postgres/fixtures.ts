// Small asset builders for DBAL tests.
import { create } from '@bufbuild/protobuf';
import { TimestampSchema, type Timestamp } from '@bufbuild/protobuf/wkt';
import {
  AssetKind,
  ComputePlanSchema,
  ComputeTaskSchema,
  ComputeTaskStatus,
  DataManagerSchema,
  DataSampleSchema,
  EventKind,
  EventSchema,
  FunctionSchema,
  FunctionStatus,
  OrganizationSchema,
  type ComputePlan,
  type ComputeTask,
  type DataManager,
  type DataSample,
  type Event,
  type Function as OrcFunction,
  type Organization,
} from '../../../lib/asset/index.js';

/** A timestamp `s` seconds after 2024-01-01 with `us` microseconds. */
export const at = (s: number, us = 0): Timestamp =>
  create(TimestampSchema, { seconds: 1_704_067_200n + BigInt(s), nanos: us * 1000 });

export const org = (id: string, s = 0): Organization =>
  create(OrganizationSchema, { id, creationDate: at(s), address: `${id}.example:443` });

export const fn = (key: string, s = 0, extra: Partial<OrcFunction> = {}): OrcFunction => {
  const f = create(FunctionSchema, {
    key,
    name: `fn ${key}`,
    owner: 'Org1MSP',
    status: FunctionStatus.WAITING,
    creationDate: at(s),
    description: { checksum: 'c', storageAddress: `http://x/${key}/desc` },
    archive: { checksum: 'a', storageAddress: `http://x/${key}/archive` },
    permissions: {
      process: { public: true, authorizedIds: ['Org1MSP'] },
      download: { public: false, authorizedIds: [] },
    },
    metadata: { k: 'v' },
    inputs: { data: { kind: AssetKind.ASSET_DATA_SAMPLE, multiple: true } },
    outputs: { model: { kind: AssetKind.ASSET_MODEL } },
  });
  return Object.assign(f, extra);
};

export const plan = (key: string, s = 0, owner = 'Org1MSP'): ComputePlan =>
  create(ComputePlanSchema, { key, owner, name: `plan ${key}`, creationDate: at(s), metadata: {} });

export const dm = (key: string, s = 0): DataManager =>
  create(DataManagerSchema, {
    key,
    name: `dm ${key}`,
    owner: 'Org1MSP',
    creationDate: at(s),
    logsPermission: { public: true },
  });

export const sample = (key: string, managers: string[], s = 0): DataSample =>
  create(DataSampleSchema, { key, dataManagerKeys: managers, owner: 'Org1MSP', checksum: 'x', creationDate: at(s) });

export interface TaskOpts {
  plan?: string;
  fn?: string;
  parents?: string[];
  status?: ComputeTaskStatus;
  worker?: string;
  s?: number;
  us?: number;
}

export const task = (key: string, o: TaskOpts = {}): ComputeTask =>
  create(ComputeTaskSchema, {
    key,
    owner: 'Org1MSP',
    computePlanKey: o.plan ?? 'plan',
    functionKey: o.fn ?? 'fn',
    worker: o.worker ?? 'Org1MSP',
    status: o.status ?? ComputeTaskStatus.STATUS_WAITING_FOR_PARENT_TASKS,
    rank: o.parents?.length ? 1 : 0,
    creationDate: at(o.s ?? 0, o.us ?? 0),
    logsPermission: { public: false, authorizedIds: ['Org1MSP'] },
    metadata: { m: key },
    inputs: [
      { identifier: 'data', ref: { case: 'assetKey', value: 'sample-1' } },
      ...(o.parents ?? []).map((p) => ({
        identifier: 'model',
        ref: { case: 'parentTaskOutput' as const, value: { parentTaskKey: p, outputIdentifier: 'model' } },
      })),
    ],
    outputs: { model: { permissions: { process: { public: true }, download: { public: true } }, transient: false } },
  });

export const event = (id: string, assetKey: string, o: Partial<Event> = {}): Event => {
  const e = create(EventSchema, {
    id,
    assetKey,
    assetKind: AssetKind.ASSET_COMPUTE_TASK,
    eventKind: EventKind.EVENT_ASSET_CREATED,
    timestamp: at(0),
    asset: { case: 'computeTask', value: task(assetKey) },
    metadata: {},
  });
  return Object.assign(e, o);
};
