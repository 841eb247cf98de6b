// LedgerDB: the DBAL over a key-value world state, its KV interface and the two KV implementations.
export { LedgerDB } from './ledgerdb.js';
export {
  type KV,
  type KVEntry,
  createCompositeKey,
  splitCompositeKey,
  partialCompositeRange,
  compareKeys,
} from './kv.js';
export { MemoryKV, MemoryKVTransaction, type KVWrite } from './memorykv.js';
export { StubKV, type KVStub } from './stubkv.js';
