// Starts a throwaway PostgreSQL server (Debian's binaries) for tests: fresh data folder, loopback port, unix socket
// in the same folder, removed on stop(). No Docker, no shared cluster, nothing left behind.
import { execFileSync, spawnSync } from 'node:child_process';
import { chownSync, existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { freePort } from './ports.js';

export interface TestPostgres {
  /** postgres://postgres[:password]@127.0.0.1:<port>/<database> */
  url: string;
  /** Stops the server (immediate shutdown) and removes its folder. Idempotent. */
  stop(): Promise<void>;
}

const PG_ROOT = '/usr/lib/postgresql';

/** The newest Debian PostgreSQL bin folder, or an error that says what to install. */
export function findPostgresBin(): string {
  const versions = existsSync(PG_ROOT)
    ? readdirSync(PG_ROOT)
        .filter((v) => existsSync(join(PG_ROOT, v, 'bin', 'initdb')) && existsSync(join(PG_ROOT, v, 'bin', 'pg_ctl')))
        .sort((a, b) => Number(b) - Number(a))
    : [];
  const newest = versions[0];
  if (newest === undefined) {
    throw new Error(
      `PostgreSQL server binaries not found under ${PG_ROOT}/*/bin: install them with ` +
        '`apt-get update && apt-get install -y postgresql` (Debian package postgresql)',
    );
  }
  return join(PG_ROOT, newest, 'bin');
}

/** initdb refuses to run as root: run the server tools as the `postgres` system user then. */
function asServerUser(): { uid: number; gid: number } | undefined {
  if (process.getuid?.() !== 0) return undefined;
  const uid = Number(execFileSync('id', ['-u', 'postgres'], { encoding: 'utf8' }).trim());
  const gid = Number(execFileSync('id', ['-g', 'postgres'], { encoding: 'utf8' }).trim());
  return { uid, gid };
}

function run(bin: string, args: string[], user: { uid: number; gid: number } | undefined): void {
  const res = spawnSync(bin, args, { encoding: 'utf8', uid: user?.uid, gid: user?.gid, cwd: tmpdir() });
  if (res.status !== 0) {
    throw new Error(`${bin} ${args.join(' ')} failed (${res.status ?? res.signal}): ${res.stderr || res.stdout}`);
  }
}

/**
 * Starts a fresh server; `database` is created empty. With `password`, TCP clients must give it (scram-sha-256) as
 * user postgres, and `url` carries it; without, anyone may connect (trust).
 */
export async function startTestPostgres(
  database = 'orchestrator',
  password?: string,
  /** Extra server settings (`-c name=value`), e.g. `{ shared_preload_libraries: 'pg_stat_statements' }`. */
  settings: Record<string, string> = {},
): Promise<TestPostgres> {
  const bin = findPostgresBin();
  const user = asServerUser();
  const dir = mkdtempSync(join(tmpdir(), 'orc-pg-'));
  if (user) chownSync(dir, user.uid, user.gid);
  const data = join(dir, 'data');
  let started = false;
  const stopSync = (): void => {
    if (started) {
      spawnSync(join(bin, 'pg_ctl'), ['-D', data, '-m', 'immediate', '-w', 'stop'], {
        uid: user?.uid,
        gid: user?.gid,
        cwd: tmpdir(),
      });
      started = false;
    }
    rmSync(dir, { recursive: true, force: true });
  };
  // A test process that dies without calling stop() must not leave a server running.
  process.once('exit', stopSync);
  try {
    // C locale: byte-order text comparison, like the other backends; UTF8 for any key.
    const auth = ['--auth=trust'];
    if (password !== undefined) {
      const pwfile = join(dir, 'pwfile');
      writeFileSync(pwfile, `${password}\n`);
      if (user) chownSync(pwfile, user.uid, user.gid);
      auth.push('--auth-host=scram-sha-256', `--pwfile=${pwfile}`);
    }
    run(join(bin, 'initdb'), ['-D', data, '-U', 'postgres', ...auth, '-E', 'UTF8', '--locale=C', '-N'], user);
    const port = await freePort();
    // Durability is irrelevant for a throwaway server; these make tests (and the benchmark) less disk-bound.
    const opts = [
      `-p ${port}`,
      `-k ${dir}`,
      '-c listen_addresses=127.0.0.1',
      '-c fsync=off',
      '-c synchronous_commit=off',
      '-c full_page_writes=off',
      '-c max_connections=50',
      ...Object.entries(settings).map(([name, value]) => `-c ${name}=${value}`),
    ].join(' ');
    run(join(bin, 'pg_ctl'), ['-D', data, '-o', opts, '-l', join(dir, 'server.log'), '-w', '-t', '60', 'start'], user);
    started = true;
    const admin = new pg.Client({ host: '127.0.0.1', port, user: 'postgres', password, database: 'postgres' });
    await admin.connect();
    try {
      await admin.query(`CREATE DATABASE "${database.replace(/"/g, '""')}"`);
    } finally {
      await admin.end();
    }
    return {
      url: `postgres://postgres${password === undefined ? '' : `:${encodeURIComponent(password)}`}@127.0.0.1:${port}/${encodeURIComponent(database)}`,
      stop: async () => {
        stopSync();
        process.removeListener('exit', stopSync);
      },
    };
  } catch (err) {
    stopSync();
    process.removeListener('exit', stopSync);
    throw err;
  }
}
