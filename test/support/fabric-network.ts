/**
 * Test helper for the native Fabric test network (network/*.sh).
 *
 * - `ensureFabricNetwork()` starts the network when `network/status.sh` says it is not healthy (a cold
 *   first run builds Fabric with Go: give the calling hook a long timeout) and returns the connection
 *   facts that `up.sh` wrote to network/.state/facade.env.
 * - `connectGateway()` opens a @hyperledger/fabric-gateway connection to one organization's peer, with the facade's
 *   own connector (the one network/up.sh's probe uses too).
 * - `endorserMspIds()` reads which organizations endorsed a transaction, from its envelope.
 * - `killNetworkProcess()` stops one of the network's processes (fault tests); `restartFabricNetwork()` runs
 *   `network/up.sh`, which restarts whatever died on its existing ledger.
 */
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import path from 'node:path';

import { common } from '@hyperledger/fabric-protos';
import { parseEnvFile } from '../../facade/envfile.js';
import type { FabricConfig, FabricOrganization } from '../../facade/fabric/config.js';
import { connectOrganization, type OrganizationGateway } from '../../facade/fabric/connection.js';
import { endorserMspIds } from '../../facade/fabric/endorsers.js';
import { DEFAULT_FACADE_ENV, loadFabricConfig, networkStateDir } from '../../facade/fabricenv.js';
import { projectRoot } from '../../lib/paths.js';

export const REPO_ROOT = projectRoot();
export const NETWORK_DIR = path.join(REPO_ROOT, 'network');
export const FACADE_ENV_PATH = DEFAULT_FACADE_ENV;
/** network/.state, or network/.state-hosts when ORCHESTRATOR_NETWORK_TOPOLOGY=hosts (the scripts read the same variable). */
export const NETWORK_STATE_DIR = networkStateDir();
export const NETWORK_JSON_PATH = path.join(NETWORK_STATE_DIR, 'network.json');
/** The Fabric common connection profile `network/up.sh` writes for the network. */
export const CONNECTION_PROFILE_PATH = path.join(NETWORK_STATE_DIR, 'connection-profile.json');

/** One organization's entry point: its peer (gateway) and a client identity of that organization. */
export type FabricOrg = FabricOrganization;

/** The content of network/.state/facade.env: the facade's Fabric configuration plus the probe chaincode. */
export interface FabricNetworkEnv extends Omit<FabricConfig, 'organizations'> {
  /** the probe chaincode's name (always deployed) */
  noopChaincode: string;
  orgs: FabricOrg[];
}

export async function readFabricNetworkEnv(file = FACADE_ENV_PATH): Promise<FabricNetworkEnv> {
  const vars = parseEnvFile(await readFile(file, 'utf8'));
  const { organizations, ...config } = loadFabricConfig(vars, file);
  const noopChaincode = vars.ORCHESTRATOR_FABRIC_NOOP_CHAINCODE;
  if (!noopChaincode) throw new Error(`${file}: ORCHESTRATOR_FABRIC_NOOP_CHAINCODE is missing`);
  return { ...config, noopChaincode, orgs: [...organizations.values()] };
}

export function orgByMspId(env: FabricNetworkEnv, mspId: string): FabricOrg {
  const org = env.orgs.find((o) => o.mspId === mspId);
  if (!org) throw new Error(`no organization ${mspId} in facade.env (have ${env.orgs.map((o) => o.mspId).join(', ')})`);
  return org;
}

/** A node of network/.state/network.json (written by up.sh). */
export interface FabricNode {
  name: string;
  mspId: string;
  /** host:port of its gRPC listener */
  address: string;
  /** host:port of its operations server (/healthz, /metrics) */
  operations: string;
  /** the channels a peer has joined (its organization's channels); absent for the orderer */
  channels?: string[];
  /** a peer's organization's chaincode servers (TLS), by chaincode name */
  chaincodeServers?: Record<string, string>;
  /** the network namespace the node runs in (hosts topology only) */
  netns?: string;
}

export interface FabricTopology {
  /** the Fabric build in use, e.g. "fabric 2.5.16 (github.com/hyperledger/fabric@...)" */
  fabric: string;
  /** "loopback" or "hosts" (ORCHESTRATOR_NETWORK_TOPOLOGY) */
  topology: string;
  channels: string[];
  nodes: FabricNode[];
}

export async function readFabricTopology(file = NETWORK_JSON_PATH): Promise<FabricTopology> {
  return JSON.parse(await readFile(file, 'utf8')) as FabricTopology;
}

/** GET /healthz of a node's operations server: status "OK" when every health check passes. */
export async function nodeHealth(node: FabricNode): Promise<{ httpStatus: number; status: string }> {
  const response = await fetch(`http://${node.operations}/healthz`, { signal: AbortSignal.timeout(5_000) });
  const body = (await response.json()) as { status?: string };
  return { httpStatus: response.status, status: body.status ?? '' };
}

interface RunResult {
  code: number;
  output: string;
}

/** Runs a network script; `echo` forwards its output to stderr as it comes (progress of a long `up`). */
function runNetworkScript(script: string, args: string[], echo: boolean): Promise<RunResult> {
  return new Promise((resolve, reject) => {
    const child = spawn('bash', [path.join(NETWORK_DIR, script), ...args], {
      cwd: REPO_ROOT,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    const onData = (chunk: Buffer): void => {
      output += chunk.toString('utf8');
      if (echo) process.stderr.write(chunk);
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
    child.on('error', reject);
    child.on('close', (code) => resolve({ code: code ?? 1, output }));
  });
}

/** `network/status.sh`: healthy = every node up, chaincode servers up, chaincodes deployed and current. */
export async function fabricNetworkStatus(): Promise<{ healthy: boolean; output: string }> {
  const { code, output } = await runNetworkScript('status.sh', [], false);
  return { healthy: code === 0, output };
}

let ensuring: Promise<FabricNetworkEnv> | undefined;

/**
 * Makes sure the network is up (running `network/up.sh` when status says otherwise) and returns its
 * facade.env. Concurrent callers in one process share one attempt; across processes up.sh holds a lock.
 */
export function ensureFabricNetwork(options: { echo?: boolean } = {}): Promise<FabricNetworkEnv> {
  ensuring ??= (async () => {
    const status = await fabricNetworkStatus();
    if (!status.healthy) {
      const up = await runNetworkScript('up.sh', [], options.echo ?? true);
      if (up.code !== 0) {
        const tail = up.output.trim().split('\n').slice(-25).join('\n');
        throw new Error(`network/up.sh failed (exit ${up.code}):\n${tail}`);
      }
    }
    return readFabricNetworkEnv();
  })();
  ensuring.catch(() => {
    ensuring = undefined; // let a later caller try again
  });
  return ensuring;
}

/** A gateway connection to one organization's peer: the facade's own connector (TLS, native signer, deadlines). */
export type FabricGatewayConnection = OrganizationGateway;

/** A Gateway connection to ORG's peer, signing with the identity that facade.env names for ORG. */
export const connectGateway: (org: FabricOrg) => Promise<FabricGatewayConnection> = connectOrganization;

/** MSP ids of the endorsements carried by an endorsed transaction (`Transaction.getBytes()`). */
export { endorserMspIds };

/** Ledger height of CHANNEL as seen by the gateway's peer (system chaincode qscc GetChainInfo). */
export async function channelHeight(connection: FabricGatewayConnection, channel: string): Promise<number> {
  const qscc = connection.gateway.getNetwork(channel).getContract('qscc');
  const bytes = await qscc.evaluateTransaction('GetChainInfo', channel);
  return common.BlockchainInfo.deserializeBinary(bytes).getHeight();
}

/** The processes `network/up.sh` starts, by the name of their pid file (network/.state/pids/<name>.pid). */
export type NetworkProcess =
  | 'orderer'
  | 'peer0.org1'
  | 'peer0.org2'
  | 'peer0.org3'
  | 'cc-orchestrator-org1'
  | 'cc-orchestrator-org2'
  | 'cc-orchestrator-org3'
  | 'cc-noop-org1'
  | 'cc-noop-org2'
  | 'cc-noop-org3';

/** A zombie has exited: it only waits for a parent that may never reap it. */
function isAlive(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2)[0] !== 'Z';
  } catch {
    return false;
  }
}

/**
 * The pid of a running network process, or undefined. Like up.sh's is_running, the command line must contain the
 * marker recorded in the pid file, so a reused pid is never mistaken for the network's.
 */
export function networkProcessPid(name: NetworkProcess): number | undefined {
  let lines: string[];
  try {
    lines = readFileSync(path.join(NETWORK_STATE_DIR, 'pids', `${name}.pid`), 'utf8').split('\n');
  } catch {
    return undefined;
  }
  const pid = Number(lines[0]);
  const marker = lines[1] ?? '';
  if (!Number.isInteger(pid) || pid <= 0 || !isAlive(pid)) return undefined;
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').replaceAll('\0', ' ').includes(marker) ? pid : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Stops one network process (SIGTERM: a clean shutdown; SIGKILL: a crash) and waits until it is gone. Fails when it
 * is not running, so that a test never believes it caused a fault it did not cause.
 */
export async function killNetworkProcess(
  name: NetworkProcess,
  signal: 'SIGTERM' | 'SIGKILL' = 'SIGTERM',
  timeoutMs = 30_000,
): Promise<number> {
  const pid = networkProcessPid(name);
  if (pid === undefined) throw new Error(`network process ${name} is not running`);
  process.kill(pid, signal);
  const deadline = Date.now() + timeoutMs;
  while (isAlive(pid)) {
    if (Date.now() > deadline)
      throw new Error(`network process ${name} (pid ${pid}) still alive ${timeoutMs} ms after ${signal}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  return pid;
}

/**
 * `network/up.sh`, which restarts whatever died (on its existing ledger) and waits until the network is healthy
 * again; then status.sh must agree. Resets ensureFabricNetwork's memo, which may describe the network before a fault.
 */
export async function restartFabricNetwork(options: { echo?: boolean } = {}): Promise<FabricNetworkEnv> {
  ensuring = undefined;
  const up = await runNetworkScript('up.sh', [], options.echo ?? false);
  if (up.code !== 0) {
    const tail = up.output.trim().split('\n').slice(-25).join('\n');
    throw new Error(`network/up.sh failed (exit ${up.code}):\n${tail}`);
  }
  const status = await fabricNetworkStatus();
  if (!status.healthy) throw new Error(`network unhealthy after network/up.sh:\n${status.output}`);
  return readFabricNetworkEnv();
}
