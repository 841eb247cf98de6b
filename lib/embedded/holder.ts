import { readFileSync, statSync } from 'node:fs';

// One line of /proc/locks: "<n>: [-> ]<type> <ADVISORY|MANDATORY> <READ|WRITE> <pid> <major>:<minor>:<inode> …".
const LOCK_LINE = /^\d+:\s+(?:->\s+)?\S+\s+\S+\s+\S+\s+(-?\d+)\s+([0-9a-f]+):([0-9a-f]+):(\d+)\s/;

/**
 * The pid of the process holding LevelDB's lock on `lockFile`, read from Linux's /proc/locks (LevelDB takes a POSIX
 * fcntl lock on the folder's LOCK file). Read-only on purpose: asking LevelDB itself means opening the database,
 * and LevelDB rotates the folder's info log (LOG → LOG.old) BEFORE it tries the lock, so a refused process would
 * have written into a folder another process owns. Undefined when the file is not locked, or where /proc/locks does
 * not exist (then LevelDB's own refusal is the guard, without a pid).
 */
export function lockHolder(lockFile: string): number | undefined {
  let stat;
  let table: string;
  try {
    stat = statSync(lockFile, { bigint: true });
    table = readFileSync('/proc/locks', 'utf8');
  } catch {
    return undefined;
  }
  // glibc's major()/minor() of st_dev, as /proc/locks prints them (hex).
  const major = ((stat.dev >> 8n) & 0xfffn) | ((stat.dev >> 32n) & ~0xfffn);
  const minor = (stat.dev & 0xffn) | ((stat.dev >> 12n) & ~0xffn);
  for (const line of table.split('\n')) {
    const match = LOCK_LINE.exec(line);
    if (!match) continue;
    const [, pid, maj, min, inode] = match as unknown as [string, string, string, string, string];
    if (BigInt(inode) !== stat.ino || BigInt(`0x${maj}`) !== major || BigInt(`0x${min}`) !== minor) continue;
    const holder = Number(pid);
    // OFD locks report -1: locked, holder unknown.
    return holder > 0 ? holder : 0;
  }
  return undefined;
}
