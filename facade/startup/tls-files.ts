// The TLS files are read when the server credentials are made, after nothing slow but with a raw ENOENT and a stack
// trace that named the file but not the variable. Each configured path is tried here first.
import { accessSync, constants, readdirSync } from 'node:fs';
import { ConfigError, type TlsConfig } from '../config.js';

const REASONS: Record<string, string> = {
  ENOENT: 'no such file or folder',
  EACCES: 'permission denied',
  EPERM: 'permission denied',
  ENOTDIR: 'not a folder',
  EISDIR: 'a folder, not a file',
};

function check(variable: string, path: string, read: (path: string) => unknown): void {
  try {
    read(path);
  } catch (err) {
    const code = (err as { code?: unknown }).code;
    const why = (typeof code === 'string' && REASONS[code]) || (err instanceof Error ? err.message : String(err));
    throw new ConfigError(variable, `cannot read ${path}: ${why}`);
  }
}

const readable = (path: string): void => accessSync(path, constants.R_OK);

/**
 * Every file and folder the TLS configuration names can be read.
 * @throws {@link ConfigError} naming the variable and the path.
 */
export function checkTlsFiles(tls: TlsConfig): void {
  check('ORCHESTRATOR_TLS_CERT_PATH', tls.certPath, readable);
  check('ORCHESTRATOR_TLS_KEY_PATH', tls.keyPath, readable);
  if (tls.serverCaCertPath) check('ORCHESTRATOR_TLS_SERVER_CA_CERT', tls.serverCaCertPath, readable);
  if (tls.clientCaCertDir) check('ORCHESTRATOR_TLS_CLIENT_CA_CERT_DIR', tls.clientCaCertDir, readdirSync);
}
