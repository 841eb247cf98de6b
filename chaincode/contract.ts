import type { DescService } from '@bufbuild/protobuf';
import { Context, Contract } from 'fabric-contract-api';
import { rpcs, runCall, type UnaryRpc } from '../lib/api/index.js';
import { OrcError } from '../lib/errors/index.js';
import { assignEventIds, CHAINCODE_EVENT_NAME, encodeEventPayload } from '../lib/fabricevents/index.js';
import { decodeRequest, encodeResponse, protobufSchema, type ProtobufSchema } from './codec.js';
import { OrchestratorContext } from './context.js';
import { chaincodeError } from './errors.js';

/**
 * The base of every orchestrator contract: the per-transaction context and the hook that turns the buffered events
 * into the transaction's one chaincode event. The transaction functions themselves are generated from the RPC table
 * (contractClass below), so adding an RPC needs no chaincode change.
 */
export class OrchestratorContract extends Contract {
  override createContext(): OrchestratorContext {
    return new OrchestratorContext();
  }

  /**
   * Runs only after a transaction function returned (fabric-shim's ChaincodeFromContract skips it when the function
   * throws), so a failed call sets no event. Read-only calls leave `pending` empty, so they set none either.
   */
  override afterTransaction(ctx: Context, _result: unknown): Promise<void> {
    const { pending } = ctx as OrchestratorContext;
    if (pending.length > 0) ctx.stub.setEvent(CHAINCODE_EVENT_NAME, encodeEventPayload(pending));
    return Promise.resolve();
  }

  /** A function name no contract declares: the facade maps OE0010 to UNIMPLEMENTED. */
  override unknownTransaction(ctx: Context): Promise<void> {
    const { fcn } = ctx.stub.getFunctionAndParameters();
    return Promise.reject(chaincodeError(new OrcError('Unimplemented', `unknown transaction "${fcn}"`)));
  }
}

/** One transaction: decode, run the service call over the ledger, buffer the events, encode the response. */
async function execute(rpc: UnaryRpc, ctx: OrchestratorContext, request: Uint8Array): Promise<Uint8Array> {
  try {
    const scope = ctx.scope();
    const { response, events } = await runCall(rpc, decodeRequest(rpc.method.input, request), scope);
    if (events.length > 0) {
      assignEventIds(events, ctx.stub.getTxID(), ctx.stub.getChannelID());
      // Stored in world state too, so that QueryEvents answers from the ledger like the other backends do.
      await scope.dbal.addEvents(events);
      ctx.pending = events;
    }
    return encodeResponse(rpc.method.output, response);
  } catch (err) {
    throw chaincodeError(err);
  }
}

/** The transaction metadata fabric-contract-api's @Transaction/@Param/@Returns decorators would record. */
interface TransactionMetadata {
  name: string;
  /** EVALUATE marks a read-only function, as `@Transaction(false)` does; SUBMIT + submitTx as `@Transaction()`. */
  tag: string[];
  parameters: { name: string; description: string; schema: ProtobufSchema }[];
  returns: ProtobufSchema;
}

function transactionMetadata(rpc: UnaryRpc): TransactionMetadata {
  return {
    name: rpc.method.name,
    tag: rpc.readOnly ? ['EVALUATE'] : ['SUBMIT', 'submitTx'],
    parameters: [{ name: 'request', description: 'the gRPC request', schema: protobufSchema(rpc.method.input) }],
    returns: protobufSchema(rpc.method.output),
  };
}

/** The reflect-metadata API; fabric-contract-api installs it on the global Reflect when it loads. */
const metadataApi = Reflect as typeof Reflect & {
  defineMetadata?: (key: string, value: unknown, target: object) => void;
};

type ContractClass = new () => OrchestratorContract;

/**
 * One contract per gRPC service, named like the service ("orchestrator.ComputeTaskService"), whose transaction
 * functions are the service's unary RPCs: the Fabric function "orchestrator.ComputeTaskService:RegisterTasks" is
 * transactionName() of the table row. fabric-shim instantiates the class with no argument and reads the
 * 'fabric:transactions' metadata to know the functions (ChaincodeFromContract._processContractTransactions); the
 * metadata is defined directly because the methods are generated, so there is no decorator to put on them.
 */
function contractClass(service: DescService, rows: readonly UnaryRpc[]): ContractClass {
  const contractName = service.typeName;
  const cls = class extends OrchestratorContract {
    constructor() {
      super(contractName);
    }
  };
  Object.defineProperty(cls, 'name', { value: `${service.name}Contract` });
  for (const rpc of rows) {
    // Contract.aroundTransaction calls this[fn](ctx, ...parameters).
    Object.defineProperty(cls.prototype, rpc.method.name, {
      value: (ctx: OrchestratorContext, request: Uint8Array): Promise<Uint8Array> => execute(rpc, ctx, request),
    });
  }
  declareTransactions(cls, rows.map(transactionMetadata));
  return cls;
}

/** Records the functions fabric-shim will find on `cls` (what the decorators would have recorded). */
export function declareTransactions(cls: ContractClass, transactions: TransactionMetadata[]): void {
  if (!metadataApi.defineMetadata) throw new Error('reflect-metadata is not loaded (fabric-contract-api loads it)');
  metadataApi.defineMetadata('fabric:transactions', transactions, cls.prototype);
}

/** Every unary RPC of the table, grouped by service in table order (the first contract is Fabric's default). */
export function orchestratorContracts(): ContractClass[] {
  const byService = new Map<DescService, UnaryRpc[]>();
  for (const rpc of rpcs) {
    if (rpc.kind !== 'unary') continue; // SubscribeToEvents is served by the facade from chaincode events
    const rows = byService.get(rpc.method.parent) ?? [];
    rows.push(rpc);
    byService.set(rpc.method.parent, rows);
  }
  return [...byService].map(([service, rows]) => contractClass(service, rows));
}
