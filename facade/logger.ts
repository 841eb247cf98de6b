// JSON logs on stdout (pino). Tests and operators parse them, so the `listening` line is part of the interface.
import { pino, type Logger } from 'pino';
import type { LogLevel } from './config.js';

export type { Logger };

/**
 * Writes are asynchronous: one line per call written synchronously cost 0.35 ms of the event loop per call in the
 * GetTask bench (a pipe write that wakes the reader), about a third of the server's busy time there. pino flushes what
 * is still buffered when the process exits, also through process.exit().
 */
export function createLogger(level: LogLevel, destination?: NodeJS.WritableStream): Logger {
  return pino(
    {
      level,
      base: { name: 'orchestrator' },
      // ISO timestamps read better than epoch milliseconds and sort the same.
      timestamp: pino.stdTimeFunctions.isoTime,
      formatters: { level: (label) => ({ level: label }) },
    },
    destination ?? pino.destination({ dest: 1, sync: false }),
  );
}
