// Storage-encoding measurement behind the choice recorded in lib/ledger/codec.ts (a measurement, not a test):
//   npx esbuild test/unit/ledger/codec-bench.ts --bundle --platform=node --format=esm --outfile=/tmp/codec-bench.mjs
//   node /tmp/codec-bench.mjs
// (tsx works too but adds its own overhead to every figure).
// Prints the best time per operation over 15 interleaved rounds, which is the least noisy figure on a shared box.
import { create, fromJson, toJson, toBinary, type JsonValue } from '@bufbuild/protobuf';
import { ComputeTaskSchema, ComputeTaskStatus } from '../../../lib/asset/index.js';
import { decodeDoc, encodeDoc } from '../../../lib/ledger/codec.js';
import { canonical } from '../../../lib/ledger/canonical.js';
const task = create(ComputeTaskSchema, {
  key: '0d1f3a3e-8f5b-4a44-9d0c-8d3b6f0c1a01',
  functionKey: '5c1d5b4a-1c1b-4f4e-8b1e-0c2a3e4f5a6b',
  owner: 'MyOrg1MSP',
  computePlanKey: '7a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d',
  rank: 3,
  status: ComputeTaskStatus.STATUS_WAITING_FOR_EXECUTOR_SLOT,
  worker: 'MyOrg2MSP',
  creationDate: { seconds: 1_700_000_000n, nanos: 123_456_000 },
  logsPermission: { public: false, authorizedIds: ['MyOrg1MSP', 'MyOrg2MSP'] },
  metadata: { round: '3', epochs: '10', learning_rate: '0.01', tag: 'experiment-42' },
  inputs: [
    {
      identifier: 'model',
      ref: {
        case: 'parentTaskOutput',
        value: { parentTaskKey: '1b2c3d4e-5f6a-4b7c-8d9e-0f1a2b3c4d5e', outputIdentifier: 'model' },
      },
    },
    { identifier: 'opener', ref: { case: 'assetKey', value: '2c3d4e5f-6a7b-4c8d-9e0f-1a2b3c4d5e6f' } },
    { identifier: 'datasamples', ref: { case: 'assetKey', value: '3d4e5f6a-7b8c-4d9e-0f1a-2b3c4d5e6f7a' } },
  ],
  outputs: {
    model: {
      permissions: {
        process: { public: false, authorizedIds: ['MyOrg1MSP', 'MyOrg2MSP'] },
        download: { public: false, authorizedIds: ['MyOrg1MSP'] },
      },
      transient: true,
    },
    local: {
      permissions: {
        process: { public: true, authorizedIds: ['MyOrg1MSP'] },
        download: { public: true, authorizedIds: ['MyOrg1MSP'] },
      },
      transient: false,
    },
  },
});
function sortKeys(v: JsonValue): JsonValue {
  if (Array.isArray(v)) return v.map(sortKeys);
  if (v !== null && typeof v === 'object') {
    const out: { [k: string]: JsonValue } = {};
    for (const k of Object.keys(v).sort()) out[k] = sortKeys(v[k] as JsonValue);
    return out;
  }
  return v;
}
const te = new TextEncoder(),
  td = new TextDecoder();
const encJson = () => te.encode(JSON.stringify(sortKeys(toJson(ComputeTaskSchema, task))));
const bin = encodeDoc(ComputeTaskSchema, task);
const js = encJson();
const cases: [string, () => unknown][] = [
  ['canonical only', () => canonical(ComputeTaskSchema, task)],
  ['toBinary raw', () => toBinary(ComputeTaskSchema, task)],
  ['encodeDoc', () => encodeDoc(ComputeTaskSchema, task)],
  ['JSON encode', encJson],
  ['decodeDoc', () => decodeDoc(ComputeTaskSchema, bin)],
  ['JSON decode', () => fromJson(ComputeTaskSchema, JSON.parse(td.decode(js)) as JsonValue)],
];
console.log('sizes', bin.length, js.length);
const best = new Map<string, number>();
for (let round = 0; round < 15; round++)
  for (const [name, f] of cases) {
    const n = 10000;
    const t = process.hrtime.bigint();
    for (let i = 0; i < n; i++) f();
    const us = Number(process.hrtime.bigint() - t) / n / 1000;
    best.set(name, Math.min(best.get(name) ?? Infinity, us));
  }
for (const [k, v] of best) console.log(k.padEnd(16), v.toFixed(2), 'µs');
