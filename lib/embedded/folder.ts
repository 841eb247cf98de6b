import { existsSync, mkdirSync, accessSync, constants } from 'node:fs';
import { join } from 'node:path';
import { ClassicLevel } from 'classic-level';
import { lockHolder } from './holder.js';
import type { LevelDB } from './reader.js';

/**
 * A data folder that cannot be used. The message is one line that names the folder and says what to do; the
 * server prints it and exits 1 before listening.
 */
export class DataFolderError extends Error {
  override readonly name = 'DataFolderError';
  constructor(
    readonly path: string,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

function inUse(dir: string, pid: number | undefined): DataFolderError {
  const by = pid ? `another orchestrator (pid ${pid})` : 'another orchestrator';
  return new DataFolderError(
    dir,
    `data folder ${dir} is in use by ${by}; stop it, or set ORCHESTRATOR_DATA_DIR to another folder`,
  );
}

const codeOf = (err: unknown): string | undefined =>
  typeof err === 'object' && err !== null && 'code' in err && typeof err.code === 'string' ? err.code : undefined;

/**
 * Opens the folder's LevelDB for this process alone. Checks, in an order that writes nothing until the folder is
 * known to be ours:
 * 1. a folder of the old PGlite engine (PG_VERSION) is refused: LevelDB would add its files beside PostgreSQL's;
 * 2. the folder is created if missing and must be writable (a clear line now, not an I/O error at the first write);
 * 3. a LOCK held by another process (lockHolder) is refused with that process's pid, before LevelDB touches the
 *    folder; LevelDB's own lock (fcntl on LOCK, released by the kernel even after kill -9) stays the guard for races.
 */
export async function openDataFolder(dir: string): Promise<LevelDB> {
  if (existsSync(join(dir, 'PG_VERSION'))) {
    throw new DataFolderError(
      dir,
      `data folder ${dir} was written by the old PGlite engine, which this version no longer reads: move it aside ` +
        '(or set ORCHESTRATOR_DATA_DIR to another folder); carry its ledger over with export/import once available',
    );
  }
  try {
    mkdirSync(dir, { recursive: true });
    accessSync(dir, constants.W_OK);
  } catch (err) {
    throw new DataFolderError(dir, `data folder ${dir} is not writable (${codeOf(err) ?? String(err)})`, {
      cause: err,
    });
  }
  const holder = lockHolder(join(dir, 'LOCK'));
  if (holder !== undefined) throw inUse(dir, holder);

  const db: LevelDB = new ClassicLevel<string, Uint8Array>(dir, { keyEncoding: 'utf8', valueEncoding: 'view' });
  try {
    await db.open();
  } catch (err) {
    const cause = err instanceof Error ? err.cause : undefined;
    if (codeOf(cause) === 'LEVEL_LOCKED') throw inUse(dir, lockHolder(join(dir, 'LOCK')));
    const detail = cause instanceof Error ? cause.message : err instanceof Error ? err.message : String(err);
    throw new DataFolderError(dir, `data folder ${dir} cannot be opened: ${detail}`, { cause: err });
  }
  return db;
}
