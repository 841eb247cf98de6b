// The listening addresses are tried before anything slow starts: grpc-js reports a busy port only when the server
// binds, which came after the database had opened (11 s with the embedded engine), and then as a raw
// "No address added out of total 1 resolved" line. A throwaway listener on the same address fails the same way at
// once. Another process may still take the port between this check and the bind: listenError() words that case.
import { createServer } from 'node:net';
import { ConfigError, formatHostPort, type HostPort } from '../config.js';

/**
 * Resolves once `at` could be listened on (and is released again).
 * @param variable the environment variable that chose the address, named in the error.
 * @throws {@link ConfigError} naming `variable` and the address.
 */
export function checkListen(at: HostPort, variable: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once('error', (err) => reject(listenError(err, at, variable)));
    probe.listen(at.port, at.host, () => probe.close(() => resolve()));
  });
}

/** The one-line error for a failure to listen on `at` (from the check, grpc-js or the metrics server). */
export function listenError(err: unknown, at: HostPort, variable: string): ConfigError {
  return new ConfigError(variable, `cannot listen on ${formatHostPort(at)}: ${reason(err)}`);
}

const REASONS: Record<string, string> = {
  EADDRINUSE: 'address already in use (another process listens there)',
  EACCES: 'permission denied (ports below 1024 need privileges)',
  EADDRNOTAVAIL: 'no such address on this machine',
  ENOTFOUND: 'unknown host',
  EAI_AGAIN: 'unknown host',
};

function reason(err: unknown): string {
  const message = err instanceof Error ? err.message : String(err);
  const own = (err as { code?: unknown } | null)?.code;
  // grpc-js gives no code, only a message that embeds Node's: "... errors: [listen EADDRINUSE: address ...]".
  const code = typeof own === 'string' ? own : /\b(E[A-Z_]+)\b/.exec(message)?.[1];
  return (code && REASONS[code]) ?? message;
}
