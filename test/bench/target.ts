import { spawn, type ChildProcess } from 'node:child_process';
import { appendFileSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startTestPostgres } from '../support/postgres.js';
import { projectRoot } from '../../lib/paths.js';

const ownRoot = projectRoot();

/** Extra flags for the server's node (`BENCH_SERVER_NODE_FLAGS="--cpu-prof --cpu-prof-dir=/tmp/p"`): profiling. */
const serverFlags = (process.env.BENCH_SERVER_NODE_FLAGS ?? '').split(' ').filter((f) => f !== '');
/** A file that receives a copy of the servers' stdout (`--trace-gc` lines, logs), appended. */
const serverOutput = process.env.BENCH_SERVER_OUTPUT;

export interface BenchServer {
  address: string;
  pid: number;
  /** From spawning the process to its `listening` line (port open), in ms. */
  startMs: number;
  /** Peak resident memory of the server process so far (VmHWM), in MiB. */
  peakRssMiB(): number;
  /** Resident memory now (VmRSS), in MiB. */
  rssMiB(): number;
  /** Stops the process; the data folder is removed unless `keepData`. */
  stop(keepData?: boolean): Promise<void>;
}

function statusMiB(pid: number, field: 'VmHWM' | 'VmRSS'): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = Number(new RegExp(`${field}:\\s+(\\d+) kB`).exec(status)?.[1] ?? 'NaN');
  return kb / 1024;
}

/** Servers still running: stopped if the driver is interrupted, so no orphan keeps loading the machine. */
const running = new Set<ChildProcess>();
process.once('exit', () => {
  for (const child of running) child.kill('SIGTERM');
});
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => process.exit(130));
}

/** The node flags of `npm start` in checkout `root` (`node <flags> dist/facade/main.js`). */
function startFlags(root: string): string[] {
  const scripts = (JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { scripts?: Record<string, string> })
    .scripts;
  const words = (scripts?.start ?? '').split(/\s+/);
  const main = words.indexOf('dist/facade/main.js');
  return words[0] === 'node' && main > 0 ? words.slice(1, main) : [];
}

/**
 * Starts the built server as `npm start` runs it (`node <its flags> dist/facade/main.js`, no npm in between) rather
 * than through tsx, so memory figures are those of the production process. `root` is the checkout whose build runs
 * (another one for `--baseline`).
 */
export async function startBenchServer(
  env: Record<string, string>,
  dataDir = mkdtempSync(join(tmpdir(), 'orc-bench-')),
  root = ownRoot,
): Promise<BenchServer> {
  const started = performance.now();
  const child = spawn(process.execPath, [...startFlags(root), ...serverFlags, join(root, 'dist/facade/main.js')], {
    env: {
      ...process.env,
      ORCHESTRATOR_GRPC_ADDRESS: '127.0.0.1:0',
      ORCHESTRATOR_DATA_DIR: dataDir,
      // The `listening` line the driver waits for is logged at info.
      LOG_LEVEL: 'info',
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  running.add(child);
  let stopping = false;
  let stderrTail = '';
  child.stderr?.on('data', (chunk: Buffer) => (stderrTail = (stderrTail + chunk.toString()).slice(-2_000)));
  child.once('exit', (code, signal) => {
    running.delete(child);
    // A server that dies mid-run makes the next call fail with UNAVAILABLE: say why here.
    if (!stopping)
      console.error(`[bench] server ${child.pid} exited (${code ?? signal}) during the run:\n${stderrTail}`);
  });
  if (serverOutput !== undefined) child.stdout?.on('data', (chunk: Buffer) => appendFileSync(serverOutput, chunk));
  const address = await listeningAddress(child);
  const startMs = performance.now() - started;
  const pid = child.pid ?? 0;
  return {
    address,
    pid,
    startMs,
    peakRssMiB: () => statusMiB(pid, 'VmHWM'),
    rssMiB: () => statusMiB(pid, 'VmRSS'),
    stop: async (keepData = false) => {
      stopping = true;
      child.kill('SIGTERM');
      await new Promise((r) => child.once('exit', r));
      if (!keepData) rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

function listeningAddress(child: ChildProcess): Promise<string> {
  return new Promise((resolvePromise, reject) => {
    let output = '';
    const onData = (chunk: Buffer) => {
      output += chunk.toString();
      for (const line of output.split('\n')) {
        if (!line.includes('"listening"')) continue;
        try {
          const parsed = JSON.parse(line) as { address?: string };
          if (parsed.address) {
            child.stdout?.off('data', onData);
            child.stdout?.resume();
            resolvePromise(parsed.address);
            return;
          }
        } catch {
          // not a complete JSON line yet
        }
      }
    };
    child.stdout?.on('data', onData);
    child.stderr?.on('data', (c: Buffer) => (output += c.toString()));
    child.once('exit', (code) => reject(new Error(`server exited (${code}) before listening:\n${output}`)));
  });
}

export interface BenchTarget {
  name: string;
  /**
   * Starts the server of checkout `root` (default: this one). `restart` stops it and starts a new one on the same
   * data (an existing folder / database).
   */
  start(root?: string): Promise<{ server: BenchServer; restart(): Promise<BenchServer>; stop(): Promise<void> }>;
}

export const embedded: BenchTarget = {
  name: 'embedded',
  async start(root) {
    const dataDir = mkdtempSync(join(tmpdir(), 'orc-bench-'));
    let server = await startBenchServer({}, dataDir, root);
    return {
      server,
      restart: async () => {
        await server.stop(true);
        server = await startBenchServer({}, dataDir, root);
        return server;
      },
      stop: () => server.stop(),
    };
  },
};

export const postgres: BenchTarget = {
  name: 'postgres',
  async start(root) {
    const pg = await startTestPostgres();
    const env = { ORCHESTRATOR_DATABASE_URL: pg.url };
    let server = await startBenchServer(env, undefined, root);
    return {
      server,
      restart: async () => {
        await server.stop();
        server = await startBenchServer(env, undefined, root);
        return server;
      },
      stop: async () => {
        await server.stop();
        await pg.stop();
      },
    };
  },
};
