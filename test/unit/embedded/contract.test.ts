// The DBAL contract against LedgerDB over the embedded LevelDB KV (the storage code the default mode runs).
import { afterAll, beforeAll } from 'vitest';
import { ClassicLevel } from 'classic-level';
import type { LevelDB } from '../../../lib/embedded/index.js';
import { describeDbalContract } from '../ledger/dbal-contract.js';
import { committingLedgerDB, tempDir } from './leveldb.js';

const folder = tempDir();
let db: LevelDB | undefined;
beforeAll(async () => {
  db = new ClassicLevel<string, Uint8Array>(folder.dir, { keyEncoding: 'utf8', valueEncoding: 'view' });
  await db.open();
});
afterAll(async () => {
  await db?.close();
  folder.remove();
});

let counter = 0;
// One database, one channel per test: channels are key prefixes, so this also checks that they stay apart.
describeDbalContract('LedgerDB over LevelKV (every call committed)', () => {
  if (!db) throw new Error('LevelDB not open');
  const channel = `ch-${++counter}`;
  return Promise.resolve({ dbal: committingLedgerDB(db, channel), channel, eventOrder: 'timestamp' });
});
