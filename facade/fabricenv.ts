// network/.state/facade.env and the ORCHESTRATOR_FABRIC_* variables: the contract between the test network's scripts
// (network/up.sh writes it) and the facade (distributed mode reads it). Kept apart from the Fabric backend, which
// loads only in distributed mode, so that reading the configuration never loads the Fabric client.
import { existsSync, readFileSync } from 'node:fs';
import { fromProjectRoot } from '../lib/paths.js';
import { parseEnvFile } from './envfile.js';
import type { FabricConfig, FabricOrganization } from './fabric/config.js';
import { loadConnectionProfile } from './fabricprofile.js';

/**
 * The state directory of the test network that `npm run network:up` runs with the same environment: network/.state,
 * or network/.state-hosts when ORCHESTRATOR_NETWORK_TOPOLOGY=hosts (each organization in its own network namespace).
 */
export function networkStateDir(env: NodeJS.ProcessEnv = process.env): string {
  return fromProjectRoot(env.ORCHESTRATOR_NETWORK_TOPOLOGY === 'hosts' ? 'network/.state-hosts' : 'network/.state');
}

/** Written by `npm run network:up`; read when no ORCHESTRATOR_FABRIC_* variable is set. */
export const DEFAULT_FACADE_ENV = `${networkStateDir()}/facade.env`;

/**
 * Builds the Fabric configuration from the environment, falling back to the network's facade.env file, so that
 * `ORCHESTRATOR_MODE=distributed npm start` works right after `npm run network:up`.
 */
export function loadFabricConfig(env: NodeJS.ProcessEnv, envFile = env.ORCHESTRATOR_FABRIC_ENV_FILE): FabricConfig {
  if (env.ORCHESTRATOR_FABRIC_CONNECTION_PROFILE)
    return loadConnectionProfile(env.ORCHESTRATOR_FABRIC_CONNECTION_PROFILE, env);
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
  const channels = list('ORCHESTRATOR_FABRIC_CHANNELS');
  const channelOrgs = vars.ORCHESTRATOR_FABRIC_CHANNEL_ORGS;
  return {
    chaincode: need('ORCHESTRATOR_FABRIC_CHAINCODE'),
    channels,
    organizations,
    endorsingOrganizations: list('ORCHESTRATOR_FABRIC_ENDORSING_ORGS', vars.ORCHESTRATOR_FABRIC_ENDORSING_ORGS ?? ''),
    channelMembers: channelOrgs
      ? servedChannelMembers(parseChannelOrgs(channelOrgs), channels, [...organizations.keys()])
      : new Map(channels.map((channel) => [channel, [...organizations.keys()]])),
  };
}

/**
 * Parses ORCHESTRATOR_FABRIC_CHANNEL_ORGS, `<channel>:<mspid>,<mspid>;<channel>:...` (Fabric channel names may hold
 * '.' and '-', so the membership is one variable rather than one per channel).
 */
export function parseChannelOrgs(value: string): Map<string, string[]> {
  const members = new Map<string, string[]>();
  for (const entry of value.split(';').map((s) => s.trim())) {
    if (!entry) continue;
    const colon = entry.indexOf(':');
    const channel = entry.slice(0, colon).trim();
    const orgs = entry
      .slice(colon + 1)
      .split(',')
      .map((s) => s.trim())
      .filter(Boolean);
    if (colon < 0 || !channel || orgs.length === 0) {
      throw new Error(`ORCHESTRATOR_FABRIC_CHANNEL_ORGS: expected "<channel>:<mspid>,<mspid>;...", got "${entry}"`);
    }
    if (members.has(channel)) throw new Error(`ORCHESTRATOR_FABRIC_CHANNEL_ORGS: channel "${channel}" is listed twice`);
    members.set(channel, orgs);
  }
  return members;
}

/** The membership of each served channel, which must be known and include an organization the facade can sign as. */
function servedChannelMembers(
  members: ReadonlyMap<string, string[]>,
  channels: readonly string[],
  held: readonly string[],
): Map<string, string[]> {
  return new Map(
    channels.map((channel) => {
      const orgs = members.get(channel);
      if (!orgs) throw new Error(`ORCHESTRATOR_FABRIC_CHANNEL_ORGS does not list channel "${channel}"`);
      if (!orgs.some((mspId) => held.includes(mspId))) {
        throw new Error(
          `channel "${channel}": the facade holds no identity for any of its members (${orgs.join(', ')})`,
        );
      }
      return [channel, orgs];
    }),
  );
}
