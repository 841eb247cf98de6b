// Helpers for tests that run the real server process on a data folder of their choice.
import { spawn } from 'node:child_process';
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { projectRoot } from '../../lib/paths.js';
import { waitForExit } from '../support/child.js';

export interface Exited {
  code: number | null;
  stdout: string;
  stderr: string;
}

/**
 * Runs `node --import tsx facade/main.ts` on `dataDir` and waits for it to exit on its own (a server that does not
 * exit within `limitMs` is killed and reported with code null: the limit only bounds a broken test, it asserts
 * nothing about speed).
 */
export async function runUntilExit(dataDir: string, limitMs = 60_000): Promise<Exited> {
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    ORCHESTRATOR_GRPC_ADDRESS: '127.0.0.1:0',
    ORCHESTRATOR_DATA_DIR: dataDir,
  };
  for (const name of ['NODE_OPTIONS', 'VITEST', 'VITEST_WORKER_ID', 'VITEST_POOL_ID']) delete env[name];
  const child = spawn(process.execPath, ['--import', 'tsx', 'facade/main.ts'], {
    cwd: projectRoot(),
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  if (!(await waitForExit(child, limitMs))) {
    child.kill('SIGKILL');
    await waitForExit(child, 5_000);
    return { code: null, stdout, stderr };
  }
  return { code: child.exitCode, stdout, stderr };
}

/** Every file under `dir` with its size and modification time: equal listings = nothing was written. */
export function listing(dir: string): string[] {
  const out: string[] = [];
  const walk = (path: string): void => {
    for (const name of readdirSync(path).sort()) {
      const full = join(path, name);
      const stat = statSync(full);
      if (stat.isDirectory()) walk(full);
      out.push(`${full} ${stat.size} ${stat.mtimeMs}`);
    }
  };
  walk(dir);
  return out;
}
