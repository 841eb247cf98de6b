// `npm start` / `node dist/facade/main.js` / `node --import tsx facade/main.ts`: reads the environment, starts the
// orchestrator, stops it gracefully on SIGINT/SIGTERM (exit 0). A bad configuration, or a start that fails for a
// reason the operator can fix, exits 1 with one line on stderr that names the variable.
import { setFlagsFromString } from 'node:v8';
import { ConfigError, loadConfig, type Config } from './config.js';
import { startOrchestrator, type Orchestrator } from './app.js';
import { createLogger } from './logger.js';
import { StartupError } from './startup.js';

// V8 allocates objects straight into the old generation at allocation sites whose objects tended to survive. One
// site creates every protobuf-es message, and a 1,000-task RegisterTasks request held for a whole endorsement makes it
// look long-lived: from then on each decoded event of a replay is old-generation garbage, and the heap grows to about
// four times its live size (~25 MiB) before a full collection, which made replays peak at 180-230 MiB of RSS. Young
// collections handle short-lived messages better. Set here, not on the command line, so every way of starting the
// server (npm start, the bench, a container running main.js) gets it.
setFlagsFromString('--no-allocation-site-pretenuring');

/** Messages quoted from a driver or the system may span lines; the operator's line must not. */
const oneLine = (message: string): string => message.replace(/\s*\n\s*/g, ' ');

async function main(): Promise<void> {
  let config: Config;
  try {
    config = loadConfig();
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err;
    process.stderr.write(`orchestrator: invalid configuration: ${oneLine(err.message)}\n`);
    process.exit(1);
  }
  const logger = createLogger(config.logLevel);
  let orchestrator: Orchestrator;
  try {
    orchestrator = await startOrchestrator(config, { logger });
  } catch (err) {
    // Something the operator can fix (folder in use, old or unwritable folder, busy port, unreachable database): one
    // line naming the variable or the path, like a bad value above. Anything else is a bug and keeps its stack in the
    // log.
    if (err instanceof StartupError) {
      process.stderr.write(`orchestrator: ${oneLine(err.message)}\n`);
    } else if (err instanceof ConfigError) {
      process.stderr.write(`orchestrator: cannot start: ${oneLine(err.message)}\n`);
    } else {
      logger.fatal({ err }, 'start failed');
    }
    process.exit(1);
  }
  const stop = (signal: NodeJS.Signals): void => {
    logger.info({ signal }, 'signal received');
    // A second signal means "now": skip the drain.
    process.once(signal, () => process.exit(1));
    orchestrator.close().then(
      () => process.exit(0),
      (err: unknown) => {
        logger.error({ err }, 'shutdown failed');
        process.exit(1);
      },
    );
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
}

main().catch((err: unknown) => {
  process.stderr.write(`orchestrator: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  process.exit(1);
});
