// The data folder belongs to one process: a second server, an old PGlite folder or an unwritable path is refused at
// once with one line that names the folder, and the refused process writes nothing.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { channelConfigFor, DEFAULT_TOPOLOGY } from '../conformance/context.js';
import { startServer } from '../support/server.js';
import { listing, runUntilExit } from './process.js';

const root = mkdtempSync(join(tmpdir(), 'orc-folder-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

const oneLine = (text: string): string[] => text.split('\n').filter((line) => line.trim() !== '');

describe('the data folder', () => {
  it('refuses a second server on a folder in use, naming the folder and the holder pid, writing nothing', async () => {
    const dataDir = join(root, 'shared');
    const first = await startServer({
      env: { ORCHESTRATOR_DATA_DIR: dataDir },
      channels: channelConfigFor(DEFAULT_TOPOLOGY),
    });
    try {
      const before = listing(dataDir);
      const second = await runUntilExit(dataDir);
      expect(second.code).toBe(1);
      expect(second.stdout).toBe('');
      const lines = oneLine(second.stderr);
      expect(lines).toHaveLength(1);
      expect(lines[0]).toContain(dataDir);
      expect(lines[0]).toContain(`pid ${first.pid}`);
      expect(listing(dataDir)).toEqual(before);
    } finally {
      await first.stop();
    }
    // Once the holder is gone, the folder opens again.
    const again = await startServer({ env: { ORCHESTRATOR_DATA_DIR: dataDir } });
    await again.stop();
  }, 120_000);

  it('refuses a folder written by the old PGlite engine, saying what to do, writing nothing', async () => {
    const dataDir = join(root, 'pglite');
    mkdirSync(join(dataDir, 'base'), { recursive: true });
    writeFileSync(join(dataDir, 'PG_VERSION'), '17\n');
    const before = listing(dataDir);
    const run = await runUntilExit(dataDir);
    expect(run.code).toBe(1);
    const lines = oneLine(run.stderr);
    expect(lines).toHaveLength(1);
    expect(lines[0]).toContain(dataDir);
    expect(lines[0]).toMatch(/PGlite.*move it aside/);
    expect(listing(dataDir)).toEqual(before);
  }, 120_000);

  it('refuses a path that cannot be a writable folder with one line naming it', async () => {
    const file = join(root, 'a-file');
    writeFileSync(file, 'not a folder');
    const dataDir = join(file, 'data');
    const run = await runUntilExit(dataDir);
    expect(run.code).toBe(1);
    const lines = oneLine(run.stderr);
    expect(lines).toHaveLength(1);
    expect(lines[0]).toContain(dataDir);
    expect(lines[0]).toMatch(/ORCHESTRATOR_DATA_DIR: cannot write in/);
  }, 120_000);
  // A read-only folder: test/unit/facade/startup-errors.test.ts, which runs the server as an unprivileged user.
});
