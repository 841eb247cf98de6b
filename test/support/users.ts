// Root reads and writes anywhere, so a test of what a permission refuses runs its process as nobody when the suite
// runs as root (CI does). That needs nobody to be able to read the files the process runs.
import { spawnSync } from 'node:child_process';

const NOBODY = 65534;

/**
 * The user to run a process as so that permissions apply: undefined = as ourselves (we are not root); false = not
 * possible here (we are root but nobody cannot read `file`, e.g. a clone inside a private folder).
 */
export function unprivilegedUser(file: string): { uid: number; gid: number } | undefined | false {
  if (process.getuid?.() !== 0) return undefined;
  const probe = spawnSync(process.execPath, ['-e', `require('node:fs').accessSync(${JSON.stringify(file)})`], {
    uid: NOBODY,
    gid: NOBODY,
  });
  return probe.status === 0 ? { uid: NOBODY, gid: NOBODY } : false;
}
