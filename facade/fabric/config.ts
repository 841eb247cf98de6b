import { existsSync, readFileSync } from 'node:fs';
import { fromProjectRoot } from '../../lib/paths.js';

/** How the facade reaches one organization's peer and signs as that organization. */
export interface FabricOrganization {
  mspId: string;
  /** host:port of the organization's gateway peer. */
  peerEndpoint: string;
  /** TLS server name the peer's certificate carries. */
  peerHostAlias: string;
  tlsCaPath: string;
  certPath: string;
  keyPath: string;
}

export interface FabricConfig {
  chaincode: string;
  channels: string[];
  organizations: Map<string, FabricOrganization>;
  /**
   * The organizations whose peers endorse every write, in parallel. Empty: the gateway peer endorses first to learn
   * the chaincode's needs and only then asks the others, which doubles the latency of a long transaction.
   */
  endorsingOrganizations: string[];
}

/** Written by `npm run network:up`; read when no ORCHESTRATOR_FABRIC_* variable is set. */
export const DEFAULT_FACADE_ENV = fromProjectRoot('network/.state/facade.env');

/** Parses `KEY=value` lines (no shell expansion: the file is data, not a script). */
export function parseEnvFile(text: string): Record<string, string> {
  const vars: Record<string, string> = {};
  for (const line of text.split('\n')) {
    const match = /^\s*(?:export\s+)?([A-Za-z_][A-Za-z0-9_]*)=(.*)$/.exec(line);
    if (!match?.[1] || match[2] === undefined) continue;
    vars[match[1]] = match[2].trim().replace(/^(['"])(.*)\1$/, '$2');
  }
  return vars;
}

/**
 * Builds the Fabric configuration from the environment, falling back to the network's facade.env file, so that
 * `ORCHESTRATOR_MODE=distributed npm start` works right after `npm run network:up`.
 */
export function loadFabricConfig(env: NodeJS.ProcessEnv, envFile = env.ORCHESTRATOR_FABRIC_ENV_FILE): FabricConfig {
  let vars: Record<string, string | undefined> = env;
  if (!env.ORCHESTRATOR_FABRIC_ORGS) {
    const file = envFile ?? DEFAULT_FACADE_ENV;
    if (!existsSync(file)) {
      throw new Error(
        `distributed mode needs ORCHESTRATOR_FABRIC_* variables or ${file} (run \`npm run network:up\` first)`,
      );
    }
    vars = { ...parseEnvFile(readFileSync(file, 'utf8')), ...env };
  }
  const need = (name: string): string => {
    const value = vars[name];
    if (!value) throw new Error(`distributed mode: ${name} is not set`);
    return value;
  };
  const list = (name: string, value = need(name)): string[] =>
    value
      .split(',')
      .map((s) => s.trim())
      .filter(Boolean);

  const organizations = new Map<string, FabricOrganization>();
  for (const mspId of list('ORCHESTRATOR_FABRIC_ORGS')) {
    const prefix = `ORCHESTRATOR_FABRIC_${mspId}_`;
    organizations.set(mspId, {
      mspId,
      peerEndpoint: need(`${prefix}PEER`),
      peerHostAlias: need(`${prefix}PEER_HOST`),
      tlsCaPath: need(`${prefix}TLS_CA`),
      certPath: need(`${prefix}CERT`),
      keyPath: need(`${prefix}KEY`),
    });
  }
  return {
    chaincode: need('ORCHESTRATOR_FABRIC_CHAINCODE'),
    channels: list('ORCHESTRATOR_FABRIC_CHANNELS'),
    organizations,
    endorsingOrganizations: list('ORCHESTRATOR_FABRIC_ENDORSING_ORGS', vars.ORCHESTRATOR_FABRIC_ENDORSING_ORGS ?? ''),
  };
}
