// LedgerDB: the DBAL over a key-value world state, its KV interface and the two KV implementations.
export { ledgerDB, type LedgerDB } from './ledgerdb.js';
export {
  type KV,
  type KVEntry,
  createCompositeKey,
  splitCompositeKey,
  partialCompositeRange,
  compareKeys,
  isCompositeKey,
} from './kv.js';
// For event queries kept outside the world state (lib/embedded's event log), paged like every other list.
export { collectPage, type Candidate } from './query.js';
export { decodeToken, type TokenKind } from './pagetoken.js';
export { micros } from './sortkey.js';
export { MemoryKV, MemoryKVTransaction } from './memorykv.js';
export { StubKV, type KVStub } from './stubkv.js';
