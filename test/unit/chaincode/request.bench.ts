// Measures the request encodings the chaincode could accept for its argument
// (npx vitest bench --run test/unit/chaincode/request.bench.ts). The result is recorded in chaincode/codec.ts; this
// is a measurement, not a test.
import { create, fromBinary, fromJsonString, toBinary, toJsonString } from '@bufbuild/protobuf';
import { bench, describe } from 'vitest';
import { RegisterTasksParamSchema } from '../../../lib/asset/index.js';
import { registerTasksBatch } from './fixtures.js';

const request = create(RegisterTasksParamSchema, { tasks: registerTasksBatch(1000) });
const binary = toBinary(RegisterTasksParamSchema, request);
const json = new TextEncoder().encode(toJsonString(RegisterTasksParamSchema, request));
// A longer run than vitest's default: the box is shared and one batch takes milliseconds.
const options = { time: 3000, warmupTime: 1000 };

console.log(`RegisterTasks x1000 argument: protobuf ${binary.length} bytes, protobuf JSON ${json.length} bytes`);

describe('client: encode RegisterTasks x1000', () => {
  bench(
    'protobuf binary',
    () => {
      toBinary(RegisterTasksParamSchema, request);
    },
    options,
  );
  bench(
    'protobuf JSON',
    () => {
      new TextEncoder().encode(toJsonString(RegisterTasksParamSchema, request));
    },
    options,
  );
});

describe('chaincode: decode RegisterTasks x1000', () => {
  bench(
    'protobuf binary',
    () => {
      fromBinary(RegisterTasksParamSchema, binary);
    },
    options,
  );
  bench(
    'protobuf JSON',
    () => {
      fromJsonString(RegisterTasksParamSchema, new TextDecoder().decode(json));
    },
    options,
  );
});
