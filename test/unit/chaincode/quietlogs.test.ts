// chaincode/quietlogs.ts patches something fabric-shim does not promise: the prototype its winston loggers share, and
// the `write` every log call goes through. These tests state each thing the patch relies on, so that a new
// fabric-shim or winston that moves any of them fails here, with a message saying what to check, instead of the
// patch silently doing nothing (or breaking the chaincode's logging).
import { createRequire } from 'node:module';
import { describe, expect, it } from 'vitest';
import { dropDisabledShimLogs } from '../../../chaincode/quietlogs.js';

const LEVEL = Symbol.for('level');
const CHECK =
  'fabric-shim changed under chaincode/quietlogs.ts: compare fabric-shim/lib/logger.js (getLogger) and the winston ' +
  'Logger it creates (write, isLevelEnabled, _transform, info[Symbol.for("level")]) with what the patch expects, ' +
  'then update the patch or remove it.';

interface ShimLogger {
  level: string;
  debug(message: string): void;
  info(message: string): void;
  isLevelEnabled(level: string): boolean;
  write(info: unknown): boolean;
  _transform(info: Record<symbol, unknown>, encoding: string, callback: () => void): void;
}

/** The module quietlogs reads, resolved the way quietlogs resolves it. */
function shimLoggerModule(): { getLogger?: unknown } {
  const require = createRequire(import.meta.url);
  try {
    return require('fabric-shim/lib/logger.js') as { getLogger?: unknown };
  } catch (err) {
    throw new Error(`${CHECK} (require('fabric-shim/lib/logger.js') failed: ${String(err)})`, { cause: err });
  }
}

function getLogger(name: string): ShimLogger {
  const { getLogger } = shimLoggerModule();
  expect(typeof getLogger, CHECK).toBe('function');
  return (getLogger as (name: string) => ShimLogger)(name);
}

/** The prototype quietlogs patches: the parent of each logger's own (per-logger) class. */
function patchedBase(logger: object): Record<string, unknown> {
  return Object.getPrototypeOf(Object.getPrototypeOf(logger) as object) as Record<string, unknown>;
}

/** Replaces the logger's stream step, so that what reaches it is recorded instead of formatted and printed. */
function recordStream(logger: ShimLogger): string[] {
  const seen: string[] = [];
  logger._transform = (info, _encoding, callback) => {
    seen.push(String(info[LEVEL]));
    callback();
  };
  return seen;
}

describe('chaincode/quietlogs.ts against the installed fabric-shim', () => {
  it('every shim logger derives from one shared prototype that has write and isLevelEnabled', () => {
    const a = getLogger('quietlogs-test-a');
    const b = getLogger('quietlogs-test-b');
    const base = patchedBase(a);
    expect(patchedBase(b), `${CHECK} (two shim loggers no longer share the patched prototype)`).toBe(base);
    expect(typeof base['write'], `${CHECK} (no write on the shared prototype)`).toBe('function');
    expect(typeof base['isLevelEnabled'], `${CHECK} (no isLevelEnabled on the shared prototype)`).toBe('function');
    expect(typeof a._transform, `${CHECK} (a shim logger is no longer a Transform stream)`).toBe('function');
  });

  it('a log call hands write an info object carrying its level under Symbol.for("level")', () => {
    const logger = getLogger('quietlogs-test-write');
    const infos: unknown[] = [];
    // An own property shadows the prototype's write (patched or not) for this logger only.
    logger.write = (info: unknown) => {
      infos.push(info);
      return true;
    };
    try {
      logger.debug('probe');
    } finally {
      delete (logger as Partial<ShimLogger>).write;
    }
    expect(infos, `${CHECK} (logger.debug no longer calls write exactly once)`).toHaveLength(1);
    const info = infos[0] as Record<symbol, unknown>;
    expect(info[LEVEL], `${CHECK} (the level is not under Symbol.for("level"))`).toBe('debug');
  });

  it('once installed, messages below the level stop at write and the others still pass', () => {
    dropDisabledShimLogs();
    const logger = getLogger('quietlogs-test-effect');
    const seen = recordStream(logger);
    const level = logger.level;
    try {
      logger.level = 'info';
      logger.debug('dropped');
      logger.info('kept');
      logger.level = 'debug'; // read at each call, as CORE_CHAINCODE_LOGGING_LEVEL=DEBUG needs
      logger.debug('kept too');
    } finally {
      logger.level = level;
    }
    expect(seen, `${CHECK} (the patch no longer filters by level before the stream)`).toEqual(['info', 'debug']);
  });
});
