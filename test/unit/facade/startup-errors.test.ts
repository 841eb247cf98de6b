// Startup mistakes an operator can fix, tried on the real server process (`node dist/facade/main.js`, as npm start
// runs it): each must stop the process with exit code 1 and one line on stderr naming the variable to change (and
// the address or folder), before anything slow starts, and must never print the database password.
import { spawn } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fromProjectRoot } from '../../../lib/paths.js';
import { freePort } from '../../support/ports.js';
import { startTestPostgres, type TestPostgres } from '../../support/postgres.js';
import { unprivilegedUser } from '../../support/users.js';

const MAIN = fromProjectRoot('dist', 'facade', 'main.js');
/** Not a timing assertion: only keeps a server that waits (the bug) from hanging the suite. */
const HANG_GUARD_MS = 10_000;

interface Outcome {
  /** null when the hang guard had to kill the process. */
  code: number | null;
  stdout: string[];
  stderr: string[];
}

const lines = (text: string): string[] => text.split('\n').filter((line) => line !== '');

/** Runs the server with only `env` (and PATH) until it exits. */
async function run(env: Record<string, string>, user?: { uid: number; gid: number }): Promise<Outcome> {
  const child = spawn(process.execPath, [MAIN], {
    env: { PATH: process.env.PATH ?? '/usr/bin:/bin', ...env },
    cwd: work,
    stdio: ['ignore', 'pipe', 'pipe'],
    uid: user?.uid,
    gid: user?.gid,
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  // 'close', not 'exit': the pipes may still hold what the process wrote just before it exited.
  const closed = new Promise<true>((resolve) => child.once('close', () => resolve(true)));
  let guard: NodeJS.Timeout | undefined;
  const finished = await Promise.race([
    closed,
    new Promise<false>((resolve) => (guard = setTimeout(() => resolve(false), HANG_GUARD_MS))),
  ]);
  clearTimeout(guard);
  if (!finished) {
    child.kill('SIGKILL');
    await closed;
  }
  return { code: finished ? child.exitCode : null, stdout: lines(stdout), stderr: lines(stderr) };
}

/** Exit 1, nothing on stdout, exactly one line on stderr, which matches `line`. */
function expectOneLine(outcome: Outcome, line: RegExp): string {
  expect(outcome, JSON.stringify(outcome)).toMatchObject({ code: 1, stdout: [] });
  expect(outcome.stderr, JSON.stringify(outcome.stderr)).toHaveLength(1);
  expect(outcome.stderr[0]).toMatch(line);
  return outcome.stderr[0] ?? '';
}

let work: string;
/** A data folder no check should reach: it must still be absent after a failed start. */
let untouched: string;
const baseEnv = (): Record<string, string> => ({
  ORCHESTRATOR_GRPC_ADDRESS: '127.0.0.1:0',
  ORCHESTRATOR_DATA_DIR: untouched,
});

beforeAll(() => {
  if (!existsSync(MAIN)) throw new Error(`${MAIN} is missing: run \`npm run build\` first (npm test does)`);
  work = mkdtempSync(join(tmpdir(), 'orc-startup-'));
  // Readable by every user: one case runs the server as nobody.
  chmodSync(work, 0o755);
  untouched = join(work, 'never-created');
});

afterAll(() => {
  rmSync(work, { recursive: true, force: true });
});

/** A TCP listener on a free loopback port, for the port to be busy or for a server that never answers. */
async function listener(onConnection: (socket: Socket) => void = () => undefined): Promise<Server & { port: number }> {
  const server = createServer(onConnection);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  return Object.assign(server, { port: typeof address === 'object' && address ? address.port : 0 });
}

const close = (server: Server): Promise<void> => new Promise((resolve) => server.close(() => resolve()));

describe('ORCHESTRATOR_DATABASE_URL', () => {
  it('refuses a value that is not a URL (instead of a stack trace about host "base")', async () => {
    const outcome = await run({ ...baseEnv(), ORCHESTRATOR_DATABASE_URL: 'nonsense' });
    expectOneLine(outcome, /^orchestrator: invalid configuration: ORCHESTRATOR_DATABASE_URL: expected a URL/);
    expect(existsSync(untouched)).toBe(false);
  });

  it('refuses another database kind at start, without printing the password', async () => {
    const outcome = await run({ ...baseEnv(), ORCHESTRATOR_DATABASE_URL: 'mysql://root:s3cret@127.0.0.1/orc' });
    const line = expectOneLine(outcome, /^orchestrator: invalid configuration: ORCHESTRATOR_DATABASE_URL: .*mysql:/);
    expect(line).not.toContain('s3cret');
  });

  it('names the variable and the address when the connection is refused', async () => {
    const port = await freePort();
    const outcome = await run({
      ...baseEnv(),
      ORCHESTRATOR_DATABASE_URL: `postgres://orc:s3cret@127.0.0.1:${port}/orc`,
    });
    const line = expectOneLine(
      outcome,
      new RegExp(`^orchestrator: cannot start: ORCHESTRATOR_DATABASE_URL: .*127\\.0\\.0\\.1:${port}/orc.*refused`),
    );
    expect(line).not.toContain('s3cret');
  });

  it('gives up on a server that never answers after connect_timeout, with one attempt', async () => {
    const sockets: Socket[] = [];
    const silent = await listener((socket) => sockets.push(socket));
    try {
      const url = `postgres://orc:s3cret@127.0.0.1:${silent.port}/orc?connect_timeout=1`;
      const outcome = await run({ ...baseEnv(), ORCHESTRATOR_DATABASE_URL: url });
      expectOneLine(outcome, /^orchestrator: cannot start: ORCHESTRATOR_DATABASE_URL: .*no answer within 1 s$/);
      expect(sockets).toHaveLength(1);
    } finally {
      for (const socket of sockets) socket.destroy();
      await close(silent);
    }
  });

  describe('on a PostgreSQL server that wants a password', () => {
    let postgres: TestPostgres;
    beforeAll(async () => {
      postgres = await startTestPostgres('orc', 'right-pass');
    });
    afterAll(async () => {
      await postgres?.stop();
    });

    it('reports a wrong password without printing it', async () => {
      const url = postgres.url.replace('right-pass', 'wr0ng-pass');
      const outcome = await run({ ...baseEnv(), ORCHESTRATOR_DATABASE_URL: url });
      const line = expectOneLine(
        outcome,
        /^orchestrator: cannot start: ORCHESTRATOR_DATABASE_URL: .* as postgres: authentication failed: /,
      );
      expect(line).not.toContain('wr0ng-pass');
    });

    it('reports an unknown database by name', async () => {
      const url = postgres.url.replace(/\/orc$/, '/nope');
      const outcome = await run({ ...baseEnv(), ORCHESTRATOR_DATABASE_URL: url });
      const line = expectOneLine(
        outcome,
        /^orchestrator: cannot start: ORCHESTRATOR_DATABASE_URL: .*"nope" does not exist/,
      );
      expect(line).not.toContain('right-pass');
    });

    it('reports a user who may not create the tables', async () => {
      const admin = new pg.Client({ connectionString: postgres.url });
      await admin.connect();
      try {
        // PostgreSQL 15 no longer lets every user create in schema public; older servers did, hence the REVOKE.
        await admin.query(`CREATE ROLE reader LOGIN PASSWORD 'reader-pass'`);
        await admin.query('REVOKE CREATE ON SCHEMA public FROM PUBLIC');
      } finally {
        await admin.end();
      }
      const url = postgres.url.replace('postgres:right-pass@', 'reader:reader-pass@');
      const outcome = await run({ ...baseEnv(), ORCHESTRATOR_DATABASE_URL: url });
      const line = expectOneLine(
        outcome,
        /^orchestrator: cannot start: ORCHESTRATOR_DATABASE_URL: PostgreSQL at .* as reader refused to set up the database: permission denied for schema public$/,
      );
      expect(line).not.toContain('reader-pass');
    });
  });
});

describe('busy ports', () => {
  it('names ORCHESTRATOR_GRPC_ADDRESS and the address, before the data folder is opened', async () => {
    const busy = await listener();
    try {
      const outcome = await run({ ...baseEnv(), ORCHESTRATOR_GRPC_ADDRESS: `127.0.0.1:${busy.port}` });
      expectOneLine(
        outcome,
        new RegExp(
          `^orchestrator: cannot start: ORCHESTRATOR_GRPC_ADDRESS: cannot listen on 127\\.0\\.0\\.1:${busy.port}: address already in use`,
        ),
      );
      expect(existsSync(untouched)).toBe(false);
    } finally {
      await close(busy);
    }
  });

  it('names ORCHESTRATOR_METRICS_ADDRESS and the address, before the data folder is opened', async () => {
    const busy = await listener();
    try {
      const outcome = await run({ ...baseEnv(), ORCHESTRATOR_METRICS_ADDRESS: `127.0.0.1:${busy.port}` });
      expectOneLine(
        outcome,
        new RegExp(
          `^orchestrator: cannot start: ORCHESTRATOR_METRICS_ADDRESS: cannot listen on 127\\.0\\.0\\.1:${busy.port}: address already in use`,
        ),
      );
      expect(existsSync(untouched)).toBe(false);
    } finally {
      await close(busy);
    }
  });
});

describe('TLS files', () => {
  it('names the variable and the path of a certificate that cannot be read', async () => {
    const key = join(work, 'key.pem');
    writeFileSync(key, '');
    const cert = join(work, 'missing-cert.pem');
    const outcome = await run({
      ...baseEnv(),
      ORCHESTRATOR_TLS_ENABLED: 'true',
      ORCHESTRATOR_TLS_CERT_PATH: cert,
      ORCHESTRATOR_TLS_KEY_PATH: key,
    });
    expectOneLine(
      outcome,
      new RegExp(
        `^orchestrator: cannot start: ORCHESTRATOR_TLS_CERT_PATH: cannot read ${cert}: no such file or folder$`,
      ),
    );
    expect(existsSync(untouched)).toBe(false);
  });
});

describe('ORCHESTRATOR_DATA_DIR', () => {
  it('names the variable and the folder when it cannot be created', async () => {
    const file = join(work, 'a-file');
    writeFileSync(file, '');
    const dataDir = join(file, 'data');
    const outcome = await run({ ...baseEnv(), ORCHESTRATOR_DATA_DIR: dataDir });
    expectOneLine(
      outcome,
      new RegExp(`^orchestrator: cannot start: ORCHESTRATOR_DATA_DIR: cannot write in ${dataDir}: `),
    );
  });

  const user = existsSync(MAIN) ? unprivilegedUser(MAIN) : undefined;
  it.skipIf(user === false)('names the variable and the folder when it exists but cannot be written', async () => {
    const dataDir = join(work, 'read-only');
    mkdirSync(dataDir);
    chmodSync(dataDir, 0o555);
    const outcome = await run({ ...baseEnv(), ORCHESTRATOR_DATA_DIR: dataDir }, user || undefined);
    expectOneLine(
      outcome,
      new RegExp(`^orchestrator: cannot start: ORCHESTRATOR_DATA_DIR: cannot write in ${dataDir}: permission denied$`),
    );
  });
});
