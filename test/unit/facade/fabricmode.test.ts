// A facade given Fabric variables but not ORCHESTRATOR_MODE=distributed used to serve a fresh embedded store as if
// nothing were wrong. Started as an operator starts it (its own process), it must stop at once: one line naming
// ORCHESTRATOR_MODE, exit 1, nothing listening.
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { projectRoot } from '../../../lib/paths.js';

const dir = mkdtempSync(join(tmpdir(), 'orc-fabricmode-'));

afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Runs facade/main.ts with `env` until it exits (stopped if it starts serving instead); its exit code and output. */
function runFacade(env: Record<string, string>): Promise<{ code: number | null; stderr: string; stdout: string }> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'facade/main.ts'], {
    cwd: projectRoot(),
    env: {
      PATH: process.env.PATH ?? '',
      HOME: process.env.HOME ?? dir,
      ORCHESTRATOR_GRPC_ADDRESS: '127.0.0.1:0',
      ORCHESTRATOR_DATA_DIR: join(dir, 'data'),
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stderr = '';
  let stdout = '';
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
    stdout += chunk;
    // Serving is the failure this test is about: stop it rather than wait for the test's timeout.
    if (stdout.includes('"msg":"listening"')) child.kill('SIGTERM');
  });
  return new Promise((resolve, reject) => {
    child.once('error', reject);
    child.once('close', (code) => resolve({ code, stderr, stdout }));
  });
}

describe('Fabric variables without ORCHESTRATOR_MODE=distributed', { timeout: 60_000 }, () => {
  for (const [name, env] of [
    ['ORCHESTRATOR_MODE unset', { ORCHESTRATOR_FABRIC_ORGS: 'MyOrg1MSP' }],
    [
      'ORCHESTRATOR_MODE=standalone',
      { ORCHESTRATOR_MODE: 'standalone', ORCHESTRATOR_FABRIC_ENV_FILE: '/x/facade.env' },
    ],
  ] as const) {
    it(`${name}: refused with one line naming ORCHESTRATOR_MODE, exit 1`, async () => {
      const { code, stderr, stdout } = await runFacade(env);
      expect(code).toBe(1);
      const lines = stderr.trim().split('\n');
      expect(lines).toHaveLength(1);
      expect(lines[0]).toMatch(/ORCHESTRATOR_MODE/);
      expect(lines[0]).toContain(Object.keys(env).find((key) => key.startsWith('ORCHESTRATOR_FABRIC_')));
      expect(stdout).not.toMatch(/listening/);
    });
  }
});
