// The configuration tables of README.md and facade/README.md state defaults; these must be the ones loadConfig()
// applies, so that a default changed in facade/config.ts cannot leave the documentation behind.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { formatHostPort, loadConfig, type Config } from '../../../facade/config.js';
import { fromProjectRoot } from '../../../lib/paths.js';

const cwd = '/srv/orc';

/** Each documented default as the tables write it, computed from a configuration. */
const DEFAULTS: Record<string, (c: Config) => string> = {
  ORCHESTRATOR_MODE: (c) => `\`${c.mode}\``,
  ORCHESTRATOR_GRPC_ADDRESS: (c) => `\`${formatHostPort(c.grpc)}\``,
  ORCHESTRATOR_DATA_DIR: (c) => `\`./${c.dataDir.slice(cwd.length + 1)}\``,
  ORCHESTRATOR_DATABASE_URL: (c) => (c.storage.kind === 'postgres' ? c.storage.url : '—'),
  ORCHESTRATOR_TX_RETRY_BUDGET: (c) => `\`${c.txRetryBudgetMs}ms\``,
  ORCHESTRATOR_REPLAY_EVENTS_BATCH_SIZE: (c) => `\`${c.replayEventsBatchSize}\``,
  ORCHESTRATOR_AMQP_UNROUTABLE: (c) => `\`${c.amqpUnroutable}\``,
  ORCHESTRATOR_SHUTDOWN_GRACE: (c) => `\`${c.shutdownGraceMs / 1000}s\``,
  ORCHESTRATOR_IDEMPOTENCY_WINDOW: (c) => `\`${c.idempotencyWindowMs / 3_600_000}h\``,
  ORCHESTRATOR_VERIFY_CLIENT_MSP_ID: (c) => `\`${c.verifyClientMspId}\``,
  LOG_LEVEL: (c) => `\`${c.logLevel}\``,
  'ORCHESTRATOR_FABRIC_MAX_ENDORSING`, `ORCHESTRATOR_FABRIC_BATCH_MAX_CALLS': (c) =>
    `\`${c.fabricBatching.maxEndorsing}\`, \`${c.fabricBatching.maxCalls}\``,
  'ORCHESTRATOR_METRICS_ADDRESS` / `METRICS_ENABLED': () =>
    `off / \`${formatHostPort(loadConfig({ METRICS_ENABLED: 'true' }, cwd).metrics ?? { host: '?', port: 0 })}\``,
};

/** `| \`NAME\` | default | meaning |` rows: NAME (between the outer backquotes) → default cell. */
function documentedDefaults(file: string): Map<string, string> {
  const rows = new Map<string, string>();
  for (const line of readFileSync(fromProjectRoot(file), 'utf8').split('\n')) {
    const cells = /^\| `(.+?)` +\| (.+?) +\|/.exec(line);
    if (cells?.[1] && cells[2]) rows.set(cells[1], cells[2]);
  }
  return rows;
}

describe.each(['README.md', 'facade/README.md'])('the configuration table of %s', (file) => {
  const rows = documentedDefaults(file);
  const config = loadConfig({}, cwd);
  const documented = Object.keys(DEFAULTS).filter((name) => rows.has(name));

  it('documents the main variables', () => {
    for (const name of ['ORCHESTRATOR_GRPC_ADDRESS', 'ORCHESTRATOR_DATA_DIR', 'ORCHESTRATOR_DATABASE_URL']) {
      expect(rows.has(name), name).toBe(true);
    }
  });

  it.each(documented)('states the default of %s', (name) => {
    expect(rows.get(name)).toBe(DEFAULTS[name]?.(config));
  });
});
