// Starts the orchestrator as a child process (`node --import tsx facade/main.ts`), exactly as an operator would, so
// conformance tests see only the gRPC API. Each server gets a free loopback port and its own temporary folder.
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { projectRoot as root } from '../../lib/paths.js';
import { waitForExit } from './child.js';

const projectRoot = root();
/** What `npm start` runs after building. */
const BUILT_MAIN = 'dist/facade/main.js';

/** Channels → allowed MSP ids, written as the server's channel configuration (`channels: {name: [mspid…]}`). */
export type ChannelConfig = Record<string, readonly string[]>;

export interface StartServerOptions {
  /** Extra environment (e.g. ORCHESTRATOR_DATABASE_URL, ORCHESTRATOR_AMQP_URL); `undefined` removes a variable. */
  env?: Record<string, string | undefined>;
  /** Written to a YAML file passed as ORCHESTRATOR_CHANNEL_CONFIG; omitted = the server's default. */
  channels?: ChannelConfig;
  /** How long to wait for the `listening` line (ms). */
  startTimeoutMs?: number;
  /**
   * Start it as a reader of the README would: `node dist/facade/main.js` (what `npm start` runs once it has built),
   * in an environment holding only PATH, HOME and `env` (none of the test runner's variables). Needs `npm run build`.
   */
  asReadme?: boolean;
}

export interface TestServer {
  /** host:port of the gRPC server. */
  address: string;
  /** The parsed `listening` log line (address, storage, …). */
  listening: Record<string, unknown>;
  /** Every line the child wrote to stdout and stderr so far. */
  logs: string[];
  /** The child process id. */
  pid: number;
  /** SIGTERM, wait for exit (SIGKILL after a grace period), remove the temporary folder. Idempotent. */
  stop(): Promise<void>;
}

function channelYaml(channels: ChannelConfig): string {
  const lines = ['channels:'];
  for (const [name, msps] of Object.entries(channels)) {
    lines.push(`  ${JSON.stringify(name)}:`);
    for (const msp of msps) lines.push(`    - ${JSON.stringify(msp)}`);
  }
  return `${lines.join('\n')}\n`;
}

export async function startServer(options: StartServerOptions = {}): Promise<TestServer> {
  if (options.asReadme && !existsSync(join(projectRoot, BUILT_MAIN))) {
    throw new Error(`${BUILT_MAIN} is missing: run npm run build first`);
  }
  const dir = mkdtempSync(join(tmpdir(), 'orc-server-'));
  const inherited = options.asReadme ? { PATH: process.env.PATH, HOME: process.env.HOME } : process.env;
  const env: Record<string, string | undefined> = {
    ...inherited,
    ORCHESTRATOR_GRPC_ADDRESS: '127.0.0.1:0',
    ORCHESTRATOR_DATA_DIR: join(dir, 'data'),
    // A vitest worker's own variables must not leak into the server.
    NODE_OPTIONS: undefined,
    VITEST: undefined,
    VITEST_WORKER_ID: undefined,
    VITEST_POOL_ID: undefined,
    ...options.env,
  };
  if (options.channels) {
    const file = join(dir, 'channels.yaml');
    writeFileSync(file, channelYaml(options.channels));
    env.ORCHESTRATOR_CHANNEL_CONFIG = file;
  }
  const cleanEnv = Object.fromEntries(Object.entries(env).filter((e): e is [string, string] => e[1] !== undefined));

  const entry = options.asReadme ? [BUILT_MAIN] : ['--import', 'tsx', 'facade/main.ts'];
  const child = spawn(process.execPath, entry, {
    cwd: projectRoot,
    env: cleanEnv,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const logs: string[] = [];
  let stderrTail = '';
  let stopped = false;

  const stop = async (): Promise<void> => {
    if (stopped) return;
    stopped = true;
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGTERM');
      if (!(await waitForExit(child, 15_000))) {
        child.kill('SIGKILL');
        await waitForExit(child, 5_000);
      }
    }
    rmSync(dir, { recursive: true, force: true });
  };

  const listening = await new Promise<Record<string, unknown>>((resolvePromise, reject) => {
    const timeoutMs = options.startTimeoutMs ?? 180_000;
    const timer = setTimeout(
      () => fail(new Error(`orchestrator did not log "listening" within ${timeoutMs} ms; stderr:\n${stderrTail}`)),
      timeoutMs,
    );
    let settled = false;
    function fail(err: Error): void {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      reject(err);
    }
    function onLine(line: string, fromStderr: boolean): void {
      logs.push(line);
      if (fromStderr) stderrTail = `${stderrTail}${line}\n`.slice(-8000);
      if (settled || !line.startsWith('{')) return;
      try {
        const parsed = JSON.parse(line) as Record<string, unknown>;
        if (parsed.msg === 'listening' && typeof parsed.address === 'string') {
          settled = true;
          clearTimeout(timer);
          resolvePromise(parsed);
        }
      } catch {
        // Not a JSON log line: kept in logs only.
      }
    }
    for (const [stream, fromStderr] of [
      [child.stdout, false],
      [child.stderr, true],
    ] as const) {
      let partial = '';
      stream.setEncoding('utf8');
      stream.on('data', (chunk: string) => {
        partial += chunk;
        const lines = partial.split('\n');
        partial = lines.pop() ?? '';
        for (const line of lines) onLine(line, fromStderr);
      });
    }
    child.once('error', (err) => fail(err));
    child.once('exit', (code, signal) =>
      fail(new Error(`orchestrator exited (${code ?? signal}) before listening; stderr:\n${stderrTail}`)),
    );
  }).catch(async (err: unknown) => {
    await stop();
    throw err;
  });

  return { address: String(listening.address), listening, logs, pid: child.pid ?? -1, stop };
}
