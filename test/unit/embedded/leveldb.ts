// A throwaway LevelDB for unit tests, opened exactly as the server opens its data folder.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { EmbeddedStore, LevelKV, LevelReader, type LevelDB } from '../../../lib/embedded/index.js';
import { ledgerDB } from '../../../lib/ledger/index.js';
import type { DBAL } from '../../../lib/persistence/index.js';

export function tempDir(): { dir: string; remove: () => void } {
  const dir = mkdtempSync(join(tmpdir(), 'orc-level-'));
  return { dir, remove: () => rmSync(dir, { recursive: true, force: true }) };
}

/** A store in a fresh temporary folder; `close` also removes the folder. */
export async function tempStore(): Promise<{ store: EmbeddedStore; dir: string; close: () => Promise<void> }> {
  const { dir, remove } = tempDir();
  const store = await EmbeddedStore.open(dir);
  return {
    store,
    dir,
    close: async () => {
      await store.close();
      remove();
    },
  };
}

/** Commits a LevelKV's collected writes, as the store does at the end of a call. */
export async function commit(db: LevelDB, kv: LevelKV): Promise<void> {
  if (kv.writes.length > 0) await db.batch(kv.writes, { sync: false });
}

/**
 * LedgerDB over LevelKV where every DBAL call is its own committed transaction: deferred writes, then one batch, or
 * nothing when the call throws. So each read after a write reads LevelDB, not LedgerDB's overlay.
 */
export function committingLedgerDB(db: LevelDB, channel: string): DBAL {
  return new Proxy({} as DBAL, {
    get(_target, method: string) {
      return async (...args: unknown[]) => {
        const kv = new LevelKV(new LevelReader(db), channel);
        const dbal = ledgerDB(kv, channel, { deferWrites: true });
        const fn = (dbal as unknown as Record<string, (...a: unknown[]) => Promise<unknown>>)[method];
        if (typeof fn !== 'function') throw new Error(`LedgerDB has no method ${method}`);
        const result = await fn.apply(dbal, args);
        await dbal.flush();
        await commit(db, kv);
        return result;
      };
    },
  });
}
