// A peer in miniature for the chaincode tests: a ChaincodeStub fake with Fabric's read/write semantics over a
// MemoryKV world state, and fabric-shim's own ChaincodeFromContract as the dispatcher (the code that runs in
// `fabric-chaincode-node server`: metadata, serializer, parameter checks, hooks, error responses).
import { createRequire } from 'node:module';
import {
  create,
  fromBinary,
  toBinary,
  type DescMessage,
  type DescMethodUnary,
  type MessageInitShape,
  type MessageShape,
} from '@bufbuild/protobuf';
import { JSONSerializer } from 'fabric-contract-api';
import { rpcByPath, transactionName } from '../../../lib/api/index.js';
import { compareKeys, createCompositeKey, splitCompositeKey, type KVEntry } from '../../../lib/ledger/kv.js';
import { MemoryKV } from '../../../lib/ledger/memorykv.js';
import { contracts, serializers } from '../../../chaincode/main.js';

/** A self-signed X.509 certificate: fabric-shim's ClientIdentity parses the creator's certificate (no key kept). */
const CERT_PEM = `-----BEGIN CERTIFICATE-----
MIIB6TCCAY+gAwIBAgIUOJl2T9ha2FJ+VtkVo2zW+CamPiAwCgYIKoZIzj0EAwIw
STELMAkGA1UEBhMCVVMxGTAXBgNVBAoMEG9yZzEuZXhhbXBsZS5jb20xHzAdBgNV
BAMMFlVzZXIxQG9yZzEuZXhhbXBsZS5jb20wIBcNMjYxMTIyMTMyNjIxWhgPMjEy
NjEwMjkxMzI2MjFaMEkxCzAJBgNVBAYTAlVTMRkwFwYDVQQKDBBvcmcxLmV4YW1w
bGUuY29tMR8wHQYDVQQDDBZVc2VyMUBvcmcxLmV4YW1wbGUuY29tMFkwEwYHKoZI
zj0CAQYIKoZIzj0DAQcDQgAEz2gYaq6uriu8vkn2NioWgWbv8gS3eh1RLF7K26Vb
CnkO84ZjjbHiZqEWYzQE6dhTtYxtxs2tWzby+aHCVckyzqNTMFEwHQYDVR0OBBYE
FGbg0CEB9PGSYAqB8KMJb2xy2N8FMB8GA1UdIwQYMBaAFGbg0CEB9PGSYAqB8KMJ
b2xy2N8FMA8GA1UdEwEB/wQFMAMBAf8wCgYIKoZIzj0EAwIDSAAwRQIgGO6+fkn5
FFUY4BQ12C2XRfejacrg4igN7XXEFkJYhhYCIQDFH6dAox4C91k4xDYnKYH8ICkJ
4cBH3qymRJ9nUg6lXg==
-----END CERTIFICATE-----
`;

interface StubIterator {
  next(): Promise<{ value: KVEntry | undefined; done: boolean }>;
  close(): Promise<void>;
}

function iterator(entries: KVEntry[]): StubIterator {
  let i = 0;
  return {
    next: () => {
      const value = entries[i++];
      return Promise.resolve(value ? { value, done: false } : { value: undefined, done: true });
    },
    close: () => Promise.resolve(),
  };
}

async function collect(source: AsyncIterable<KVEntry>, limit = Infinity): Promise<KVEntry[]> {
  const out: KVEntry[] = [];
  for await (const entry of source) {
    if (out.length >= limit) break;
    out.push(entry);
  }
  return out;
}

export interface StubInit {
  world: MemoryKV;
  args: Uint8Array[];
  txId: string;
  channel: string;
  mspid: string;
  /** Unix time of the transaction. */
  seconds: bigint;
  nanos: number;
  /** The proposal's transient map. */
  transient?: Record<string, Uint8Array>;
}

/** One write of the write set; value undefined = delete. */
export interface Write {
  key: string;
  value: Uint8Array | undefined;
}

/**
 * The ChaincodeStub calls the chaincode makes, with a peer's semantics: reads see committed state only (never the
 * transaction's own writes), writes collect in a write set (last write per key wins), range queries see committed
 * keys in UTF-8 order, only the last setEvent counts, and a transaction mixing paginated queries and writes is
 * refused at the end, as the peer's transaction simulator does.
 */
export class FakeStub {
  private readonly writes = new Map<string, Uint8Array | undefined>();
  /** Every read the simulation made, in order: what the peer puts in the read set and range-query info. */
  readonly reads: string[] = [];
  event: { name: string; payload: Uint8Array } | undefined;
  private paginated = false;

  constructor(private readonly init: StubInit) {}

  getBufferArgs(): Buffer[] {
    return this.init.args.map((a) => Buffer.from(a));
  }
  getArgs(): string[] {
    return this.getBufferArgs().map((a) => a.toString('utf8'));
  }
  getStringArgs(): string[] {
    return this.getArgs();
  }
  getFunctionAndParameters(): { fcn: string; params: string[] } {
    const [fcn = '', ...params] = this.getArgs();
    return { fcn, params };
  }
  getTxID(): string {
    return this.init.txId;
  }
  getTransient(): Map<string, Uint8Array> {
    return new Map(Object.entries(this.init.transient ?? {}));
  }
  getChannelID(): string {
    return this.init.channel;
  }
  getCreator(): { mspid: string; idBytes: Uint8Array } {
    return { mspid: this.init.mspid, idBytes: new TextEncoder().encode(CERT_PEM) };
  }
  getMspID(): string {
    return this.init.mspid;
  }
  /** fabric-shim 2.5 gives seconds as a Long; anything with an exact toString() stands in for it. */
  getTxTimestamp(): { seconds: { toString(): string }; nanos: number } {
    return { seconds: { toString: () => this.init.seconds.toString() }, nanos: this.init.nanos };
  }

  async getState(key: string): Promise<Uint8Array> {
    this.reads.push(`get ${JSON.stringify(key)}`);
    return (await this.init.world.getState(key)) ?? new Uint8Array(0);
  }
  putState(key: string, value: Uint8Array): Promise<void> {
    if (key === '') return Promise.reject(new Error('key must be a non-empty string'));
    this.writes.set(key, Uint8Array.from(value));
    return Promise.resolve();
  }
  deleteState(key: string): Promise<void> {
    this.writes.set(key, undefined);
    return Promise.resolve();
  }
  async getStateByRange(startKey: string, endKey: string): Promise<StubIterator> {
    const entries = await collect(this.init.world.getStateByRange(startKey, endKey));
    this.reads.push(`range ${JSON.stringify([startKey, endKey])} -> ${entries.length}`);
    return iterator(entries);
  }
  async getStateByPartialCompositeKey(objectType: string, attributes: string[]): Promise<StubIterator> {
    const entries = await collect(this.init.world.getStateByPartialCompositeKey(objectType, attributes));
    this.reads.push(`partial ${JSON.stringify([objectType, ...attributes])} -> ${entries.length}`);
    return iterator(entries);
  }
  async getStateByPartialCompositeKeyWithPagination(
    objectType: string,
    attributes: string[],
    pageSize: number,
    bookmark = '',
  ): Promise<{ iterator: StubIterator; metadata: { fetchedRecordsCount: number; bookmark: string } }> {
    this.paginated = true;
    // The peer starts at the bookmark verbatim and hands back the key after the page ("" when none is left).
    const start = bookmark === '' ? undefined : bookmark;
    const entries = await collect(
      this.init.world.getStateByPartialCompositeKey(objectType, attributes, start),
      pageSize + 1,
    );
    const page = entries.slice(0, pageSize);
    const next = entries[pageSize]?.key ?? '';
    this.reads.push(`page ${JSON.stringify([objectType, ...attributes, bookmark, pageSize])} -> ${page.length}`);
    return { iterator: iterator(page), metadata: { fetchedRecordsCount: page.length, bookmark: next } };
  }
  setEvent(name: string, payload: Uint8Array): void {
    if (!name) throw new Error('Event name must be a non-empty string');
    this.event = { name, payload: Uint8Array.from(payload) };
  }
  createCompositeKey(objectType: string, attributes: string[]): string {
    return createCompositeKey(objectType, attributes);
  }
  splitCompositeKey(key: string): { objectType: string | null; attributes: string[] } {
    return splitCompositeKey(key) ?? { objectType: null, attributes: [] };
  }

  /** The write set as the peer records it: one entry per key, sorted by key. */
  writeSet(): Write[] {
    return [...this.writes].map(([key, value]) => ({ key, value })).sort((a, b) => compareKeys(a.key, b.key));
  }

  /** Ends the simulation: the peer refuses paginated queries in a transaction that writes. */
  simulationError(): string | undefined {
    if (this.paginated && this.writes.size > 0)
      return 'txmgr does not allow paginated queries and writes in the same transaction';
    return undefined;
  }
}

/** fabric-shim's ChaincodeFromContract: internal (no typings, no export), so it is loaded by path. */
interface ShimResponse {
  status: number;
  message?: string;
  payload?: Uint8Array;
}
interface Chaincode {
  Invoke(stub: FakeStub): Promise<ShimResponse>;
}
type ChaincodeFromContract = new (
  contracts: unknown[],
  serializers: unknown,
  metadata: object,
  title: string,
  version: string,
) => Chaincode;
const require = createRequire(import.meta.url);
// The shim logs every failed transaction at error level (winston has no level above error); the tests provoke many
// failures on purpose, so the loggers of the dispatch path are silenced.
const shimLogger = require('fabric-shim/lib/logger.js') as { getLogger(name: string): { silent: boolean } };
for (const name of ['contracts-spi/chaincodefromcontract.js', 'contracts-spi/datamarshall.js']) {
  shimLogger.getLogger(name).silent = true;
}
const ChaincodeFromContractClass =
  require('fabric-shim/lib/contract-spi/chaincodefromcontract.js') as ChaincodeFromContract;

/** A fresh chaincode as `fabric-chaincode-node server` builds it from chaincode/main.ts. */
export function newChaincode(): Chaincode {
  // ChaincodeFromContract appends its system contract to the array it is given: hand it a copy. The serializer map
  // gets the default JSON serializer added, as contract-spi/bootstrap.js does.
  const withDefaults = {
    transaction: serializers.transaction,
    serializers: { ...serializers.serializers, jsonSerializer: JSONSerializer },
  };
  return new ChaincodeFromContractClass([...contracts], withDefaults, {}, 'orchestrator', 'test');
}

export interface TxResult {
  /** 200 or 500, as the shim answers. */
  status: number;
  /** The error message of a failed transaction. */
  message: string;
  payload: Uint8Array;
  /** What the chaincode did during the simulation, whether or not the endorsement succeeded. */
  event: { name: string; payload: Uint8Array } | undefined;
  writes: Write[];
  reads: string[];
  txId: string;
}

export const CHANNEL = 'mychannel';
/** 2024-01-01T00:00:00Z, the time of the first transaction; each next one is a second later. */
const START = 1_704_067_200n;

/**
 * One channel's ledger and one chaincode. Submitted transactions that succeed are committed (their write set
 * applied); failed ones and evaluated ones leave the world state untouched, as on a peer.
 */
export class FakeFabric {
  readonly world = new MemoryKV();
  private readonly chaincode = newChaincode();
  private txCount = 0;
  /** The transient map of the next proposals (the facade puts a write's idempotency key there). */
  transient: Record<string, Uint8Array> = {};

  /** Endorses, then commits the write set on success (a failed endorsement is never ordered). */
  async submit(fn: string, request: Uint8Array, mspid: string): Promise<TxResult> {
    const result = await this.run(fn, [request], mspid);
    if (result.status === 200) this.world.applyWrites(result.writes);
    return result;
  }

  /** Endorses only (a query). */
  evaluate(fn: string, request: Uint8Array, mspid: string): Promise<TxResult> {
    return this.run(fn, [request], mspid);
  }

  /**
   * Calls one RPC the way the facade does: the table row decides submit or evaluate, the request travels as protobuf
   * binary, and a successful payload decodes as the response message.
   */
  async call<I extends DescMessage, O extends DescMessage>(
    method: DescMethodUnary<I, O>,
    request: MessageInitShape<I>,
    mspid: string,
  ): Promise<TxResult & { response: MessageShape<O> | undefined }> {
    const rpc = rpcByPath(`/${method.parent.typeName}/${method.name}`);
    if (!rpc) throw new Error(`${method.name} is not in the RPC table`);
    const bytes = toBinary(method.input, create(method.input, request));
    const fn = transactionName(rpc);
    const result = rpc.readOnly ? await this.evaluate(fn, bytes, mspid) : await this.submit(fn, bytes, mspid);
    return { ...result, response: result.status === 200 ? fromBinary(method.output, result.payload) : undefined };
  }

  /** Invokes with raw arguments (after the function name). */
  async run(fn: string, args: Uint8Array[], mspid: string): Promise<TxResult> {
    const n = this.txCount++;
    const txId = n.toString(16).padStart(64, 'f');
    const stub = new FakeStub({
      world: this.world,
      args: [new TextEncoder().encode(fn), ...args],
      txId,
      channel: CHANNEL,
      mspid,
      seconds: START + BigInt(n),
      nanos: 123_456_789,
      transient: this.transient,
    });
    const response = await this.chaincode.Invoke(stub);
    const simulationError = stub.simulationError();
    return {
      status: simulationError ? 500 : response.status,
      message: simulationError ?? response.message ?? '',
      payload: response.payload ?? new Uint8Array(0),
      event: stub.event,
      writes: stub.writeSet(),
      reads: stub.reads,
      txId,
    };
  }
}
