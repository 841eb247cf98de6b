/**
 * The chaincode module: what `fabric-chaincode-node server --module-path <dir>` loads (fabric-shim's
 * contract-spi/bootstrap.js require()s the `main` of <dir>/package.json and reads `contracts` and `serializers`).
 * This file compiles to ESM (dist/chaincode/main.js); network/lib/chaincodes.sh points --module-path at a small
 * CommonJS package whose main is `module.exports = require('<repo>/dist/chaincode/main.js')`, which Node >= 20.19
 * allows because no module of the chaincode uses top-level await. See chaincode/README.md.
 */
import { BatchContract } from './batch.js';
import { orchestratorContracts } from './contract.js';
import { dropDisabledShimLogs } from './quietlogs.js';

export { serializers } from './codec.js';

dropDisabledShimLogs();

/**
 * One contract per gRPC service, then the batch contract (the facade's grouped writes); fabric-shim appends its
 * system contract to this array when it starts.
 */
export const contracts = [...orchestratorContracts(), BatchContract];
