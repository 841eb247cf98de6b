// The data folder is checked before any engine opens it, whichever engine that is: the embedded database met an
// unwritable folder with a minute of retries and then an error that named neither the folder nor the variable.
// The folder is created if missing and must be writable; nothing is written in it here: a server refused because
// another one holds the folder must leave it untouched.
import { accessSync, constants, mkdirSync } from 'node:fs';
import { ConfigError } from '../config.js';

const VARIABLE = 'ORCHESTRATOR_DATA_DIR';

const REASONS: Record<string, string> = {
  EACCES: 'permission denied',
  EPERM: 'permission denied',
  EROFS: 'read-only file system',
  ENOSPC: 'no space left on the device',
  EDQUOT: 'disk quota exceeded',
  ENOTDIR: 'a part of the path is a file, not a folder',
  EEXIST: 'it is a file, not a folder',
};

/**
 * Creates `dir` if needed and checks that this process may write in it.
 * @throws {@link ConfigError} naming ORCHESTRATOR_DATA_DIR and the folder.
 */
export function checkDataDir(dir: string): void {
  try {
    mkdirSync(dir, { recursive: true });
    accessSync(dir, constants.W_OK);
  } catch (err) {
    const code = (err as { code?: unknown }).code;
    const why = (typeof code === 'string' && REASONS[code]) || (err instanceof Error ? err.message : String(err));
    throw new ConfigError(VARIABLE, `cannot write in ${dir}: ${why}`);
  }
}
