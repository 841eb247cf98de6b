import { createRequire } from 'node:module';

/**
 * fabric-shim logs through winston, which runs a message through its whole format pipeline (timestamp, metadata,
 * colours, printf) before the transport drops it for being below the level. The shim logs several debug lines per
 * state call, so a large transaction spent about a sixth of the chaincode's CPU formatting messages nobody sees.
 * This makes a logger drop a message below its level before any formatting (the level is still read at each call,
 * so CORE_CHAINCODE_LOGGING_LEVEL=DEBUG works as before).
 */
interface LevelledInfo {
  [key: symbol]: unknown;
}
interface WinstonLogger {
  isLevelEnabled(level: string): boolean;
  write(info: unknown, ...rest: unknown[]): boolean;
}

const LEVEL = Symbol.for('level');
let installed = false;

export function dropDisabledShimLogs(): void {
  if (installed) return;
  installed = true;
  const require = createRequire(import.meta.url);
  const shimLogger = require('fabric-shim/lib/logger.js') as { getLogger(name: string): object };
  // Every shim logger is an instance of a class derived (per logger) from winston's Logger: patch the shared base.
  const derived = Object.getPrototypeOf(shimLogger.getLogger('orchestrator')) as object;
  const base = Object.getPrototypeOf(derived) as WinstonLogger;
  const write = base.write;
  base.write = function (this: WinstonLogger, info: unknown, ...rest: unknown[]): boolean {
    const level = typeof info === 'object' && info !== null ? (info as LevelledInfo)[LEVEL] : undefined;
    if (typeof level === 'string' && !this.isLevelEnabled(level)) return true;
    return write.call(this, info, ...rest);
  };
}
