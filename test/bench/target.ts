import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startTestPostgres } from '../support/postgres.js';
import { projectRoot } from '../../lib/paths.js';

const root = projectRoot();

export interface BenchServer {
  address: string;
  pid: number;
  /** Peak resident memory of the server process so far (VmHWM), in MiB. */
  peakRssMiB(): number;
  stop(): Promise<void>;
}

/** Servers still running: stopped if the driver is interrupted, so no orphan keeps loading the machine. */
const running = new Set<ChildProcess>();
process.once('exit', () => {
  for (const child of running) child.kill('SIGTERM');
});
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => process.exit(130));
}

/**
 * Starts the built server (`dist/facade/main.js`, what `npm start` runs) rather than through tsx, so memory figures
 * are those of the production process.
 */
export async function startBenchServer(env: Record<string, string>): Promise<BenchServer> {
  const dataDir = mkdtempSync(join(tmpdir(), 'orc-bench-'));
  const child = spawn(process.execPath, [join(root, 'dist/facade/main.js')], {
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
  child.once('exit', () => running.delete(child));
  const address = await listeningAddress(child);
  const pid = child.pid ?? 0;
  return {
    address,
    pid,
    peakRssMiB: () => {
      const status = readFileSync(`/proc/${pid}/status`, 'utf8');
      const kb = Number(/VmHWM:\s+(\d+) kB/.exec(status)?.[1] ?? 'NaN');
      return kb / 1024;
    },
    stop: async () => {
      child.kill('SIGTERM');
      await new Promise((r) => child.once('exit', r));
      rmSync(dataDir, { recursive: true, force: true });
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
  start(): Promise<{ server: BenchServer; stop(): Promise<void> }>;
}

export const embedded: BenchTarget = {
  name: 'embedded',
  async start() {
    const server = await startBenchServer({});
    return { server, stop: () => server.stop() };
  },
};

export const postgres: BenchTarget = {
  name: 'postgres',
  async start() {
    const pg = await startTestPostgres();
    const server = await startBenchServer({ ORCHESTRATOR_DATABASE_URL: pg.url });
    return {
      server,
      stop: async () => {
        await server.stop();
        await pg.stop();
      },
    };
  },
};
