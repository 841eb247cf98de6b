// The data folder is checked before any engine opens it, whichever engine that is: the embedded database met an
// unwritable folder with a minute of retries and then an error that named neither the folder nor the variable.
// Creating the folder and writing (then removing) a file in it is exactly what every engine needs to be able to do.
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
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
 * Creates `dir` if needed and checks that a file can be written in it.
 * @throws {@link ConfigError} naming ORCHESTRATOR_DATA_DIR and the folder.
 */
export function checkDataDir(dir: string): void {
  try {
    mkdirSync(dir, { recursive: true });
    // Unique per process: two servers started on one folder must not remove each other's probe.
    const probe = join(dir, `.write-check-${process.pid}`);
    writeFileSync(probe, '');
    rmSync(probe);
  } catch (err) {
    const code = (err as { code?: unknown }).code;
    const why = (typeof code === 'string' && REASONS[code]) || (err instanceof Error ? err.message : String(err));
    throw new ConfigError(VARIABLE, `cannot write in ${dir}: ${why}`);
  }
}
