// Everything that can stop a start for a reason an operator can fix is checked here, before the backend opens:
// each failure is one ConfigError naming the variable to change, raised at once instead of after the database or
// the embedded engine has spent seconds starting (or minutes retrying).
import type { Config } from '../config.js';
import { checkDataDir } from './data-dir.js';
import { checkDatabase } from './database.js';
import { checkListen } from './listen.js';
import { checkTlsFiles } from './tls-files.js';

export { databaseOpenError } from './database.js';
export { listenError } from './listen.js';

/**
 * @param backendGiven the caller brings its own backend (tests): storage is then not this configuration's concern.
 * @throws {@link ConfigError} for the first check that fails.
 */
export async function preflight(config: Config, backendGiven: boolean): Promise<void> {
  await checkListen(config.grpc, 'ORCHESTRATOR_GRPC_ADDRESS');
  if (config.metrics) await checkListen(config.metrics, 'ORCHESTRATOR_METRICS_ADDRESS');
  if (config.tls) checkTlsFiles(config.tls);
  if (backendGiven) return;
  if (usesDataDir(config)) checkDataDir(config.dataDir);
  if (config.mode === 'standalone' && config.storage.kind === 'postgres') await checkDatabase(config.storage.url);
}

/** The embedded ledger lives in the data folder; in distributed mode the event index and the AMQP checkpoint do. */
function usesDataDir(config: Config): boolean {
  return config.mode === 'distributed' || config.storage.kind !== 'postgres';
}
