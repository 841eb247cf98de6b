// The whole process configuration, read once from the environment (Substra's variable names, substra-behaviour §5.5) and
// validated with zod, so that a bad value stops the process at start with the variable's name instead of failing
// on the first request.
import { resolve } from 'node:path';
import { z } from 'zod';
import { DEFAULT_CHANNELS, channelConfig, firstExcess, loadChannelConfig, type ChannelConfig } from './channels.js';
import { parseGoDuration } from './duration.js';
import type { BatchingOptions } from './fabric/batcher.js';
import type { FabricConfig } from './fabric/config.js';
import { loadFabricConfig } from './fabricenv.js';
import { checkDatabaseUrl } from './startup/database-url.js';

export interface HostPort {
  host: string;
  port: number;
}

export interface TlsConfig {
  certPath: string;
  keyPath: string;
  /** Require and verify client certificates. */
  mtls: boolean;
  /** Extra trusted client CA (lets the server's own CA sign clients such as probes). */
  serverCaCertPath?: string;
  /** One sub-directory per MSP id holding that organization's CA certificates (PEM). */
  clientCaCertDir?: string;
}

/** Embedded: LedgerDB over LevelDB in the data folder (default); standalone: PostgreSQL. */
type StorageConfig = { kind: 'leveldb'; dataDir: string } | { kind: 'postgres'; url: string };

export interface Config {
  /** `distributed` forwards every call to the orchestrator chaincode on Fabric (see `fabric`). */
  mode: 'standalone' | 'distributed';
  grpc: HostPort & {
    /** 64 MiB by default (grpc-go's 4 MiB is too small for a batch of 1,000 tasks). */
    maxReceiveMessageBytes: number;
    /**
     * Substra's keepalive enforcement policy. Accepted for compatibility, but grpc-js servers cannot enforce one:
     * they never reject clients pinging too often, which is the permissive side of the same policy.
     */
    keepalive: { minTimeMs: number; permitWithoutStream: boolean };
  };
  storage: StorageConfig;
  /** Where local state lives: the embedded database, or in distributed mode the event checkpoint. */
  dataDir: string;
  /** Distributed mode only: how to reach the Fabric network. */
  fabric?: FabricConfig;
  channels: ChannelConfig;
  /** How long a write may keep retrying serialization conflicts. */
  txRetryBudgetMs: number;
  /** Distributed mode: how concurrent writes of one organization on one channel share transactions. */
  fabricBatching: BatchingOptions;
  tls?: TlsConfig;
  /** The `mspid` header must be an O of the client certificate's subject (needs mTLS). */
  verifyClientMspId: boolean;
  /** MigrationService/ImportLedger may write a ledger file into an empty channel (`orchestrator import`). */
  allowImport: boolean;
  replayEventsBatchSize: number;
  logLevel: LogLevel;
  /** Prometheus /metrics endpoint; absent = no HTTP server. */
  metrics?: HostPort;
  /** RabbitMQ URL; absent = no AMQP dispatch. */
  amqpUrl?: string;
  /** What the dispatcher does with events no queue is bound for: hold them (retry) or skip them (drop). */
  amqpUnroutable: 'retry' | 'drop';
  /** How long shutdown waits for in-flight calls before cancelling them. */
  shutdownGraceMs: number;
}

export type LogLevel = 'trace' | 'debug' | 'info' | 'warn' | 'error' | 'fatal' | 'silent';

export class ConfigError extends Error {
  override readonly name = 'ConfigError';
  constructor(
    readonly variable: string,
    detail: string,
  ) {
    super(`${variable}: ${detail}`);
  }
}

const DEFAULT_GRPC_ADDRESS = '127.0.0.1:9000';
const DEFAULT_METRICS_ADDRESS = '127.0.0.1:8484';
const DEFAULT_MAX_RECEIVE_MESSAGE_BYTES = 64 * 1024 * 1024;

// Go's strconv.ParseBool, which Substra uses for its boolean variables.
const TRUE = new Set(['1', 't', 'T', 'true', 'TRUE', 'True']);
const FALSE = new Set(['0', 'f', 'F', 'false', 'FALSE', 'False']);

const bool = (fallback: boolean) =>
  z
    .string()
    .optional()
    .transform((v, ctx) => {
      if (v === undefined || v.trim() === '') return fallback;
      if (TRUE.has(v.trim())) return true;
      if (FALSE.has(v.trim())) return false;
      ctx.addIssue({ code: 'custom', message: `expected a boolean (true/false/1/0), got "${v}"` });
      return z.NEVER;
    });

/**
 * Request bytes per batch transaction: far below gRPC's and the orderer's limits (10 MB per block here), and small
 * enough that a batch does not hold back the block it lands in. A larger call (a big RegisterTasks) goes alone.
 */
const FABRIC_BATCH_MAX_BYTES = 1024 * 1024;

/** Default retry budget in distributed mode, where ORCHESTRATOR_TX_RETRY_BUDGET is unset. */
const DISTRIBUTED_TX_RETRY_BUDGET_MS = 15_000;

const duration = (fallback: string) =>
  z
    .string()
    .optional()
    .transform((v, ctx) => {
      try {
        const ms = parseGoDuration(v === undefined || v.trim() === '' ? fallback : v);
        if (ms < 0) throw new Error(`negative duration "${v}"`);
        return ms;
      } catch (err) {
        ctx.addIssue({ code: 'custom', message: (err as Error).message });
        return z.NEVER;
      }
    });

const positiveInt = (fallback: number) =>
  z
    .string()
    .optional()
    .transform((v, ctx) => {
      if (v === undefined || v.trim() === '') return fallback;
      const n = Number(v);
      if (!Number.isInteger(n) || n < 1) {
        ctx.addIssue({ code: 'custom', message: `expected a positive integer, got "${v}"` });
        return z.NEVER;
      }
      return n;
    });

const text = z
  .string()
  .optional()
  .transform((v) => (v === undefined || v.trim() === '' ? undefined : v.trim()));

/** "host:port", "[v6]:port" or Go's ":port" (all interfaces). Port 0 = let the system pick one. */
export function parseHostPort(value: string): HostPort {
  const m = /^(?:\[([^\]]+)\]|([^:[\]]*)):(\d{1,5})$/.exec(value.trim());
  const port = Number(m?.[3]);
  if (!m || port > 65535) throw new Error(`expected host:port (e.g. ${DEFAULT_GRPC_ADDRESS}), got "${value}"`);
  const host = m[1] ?? m[2] ?? '';
  return { host: host === '' ? '0.0.0.0' : host, port };
}

const address = (fallback?: string) =>
  z
    .string()
    .optional()
    .transform((v, ctx) => {
      const value = v === undefined || v.trim() === '' ? fallback : v;
      if (value === undefined) return undefined;
      try {
        return parseHostPort(value);
      } catch (err) {
        ctx.addIssue({ code: 'custom', message: (err as Error).message });
        return z.NEVER;
      }
    });

// zerolog level names (Substra) mapped onto pino's.
const LOG_LEVELS: Record<string, LogLevel> = {
  trace: 'trace',
  debug: 'debug',
  info: 'info',
  warn: 'warn',
  warning: 'warn',
  error: 'error',
  fatal: 'fatal',
  panic: 'fatal',
  disabled: 'silent',
  silent: 'silent',
};

const env = z.object({
  ORCHESTRATOR_MODE: z
    .string()
    .optional()
    .transform((v) => (v === undefined || v.trim() === '' ? 'standalone' : v.trim()))
    .pipe(z.enum(['standalone', 'distributed'])),
  ORCHESTRATOR_GRPC_ADDRESS: address(DEFAULT_GRPC_ADDRESS),
  ORCHESTRATOR_GRPC_MAX_RECEIVE_MESSAGE_BYTES: positiveInt(DEFAULT_MAX_RECEIVE_MESSAGE_BYTES),
  ORCHESTRATOR_GRPC_KEEPALIVE_POLICY_MIN_TIME: duration('30s'),
  ORCHESTRATOR_GRPC_KEEPALIVE_POLICY_PERMIT_WITHOUT_STREAM: bool(false),
  ORCHESTRATOR_DATA_DIR: text,
  ORCHESTRATOR_DATABASE_URL: text.transform((v, ctx) => {
    if (v === undefined) return undefined;
    try {
      return checkDatabaseUrl(v);
    } catch (err) {
      ctx.addIssue({ code: 'custom', message: (err as Error).message });
      return z.NEVER;
    }
  }),
  ORCHESTRATOR_CHANNEL_CONFIG: text,
  ORCHESTRATOR_TX_RETRY_BUDGET: duration('500ms'),
  ORCHESTRATOR_FABRIC_MAX_ENDORSING: positiveInt(2),
  ORCHESTRATOR_FABRIC_BATCH_MAX_CALLS: positiveInt(64),
  ORCHESTRATOR_TLS_ENABLED: bool(false),
  ORCHESTRATOR_TLS_CERT_PATH: text,
  ORCHESTRATOR_TLS_KEY_PATH: text,
  ORCHESTRATOR_MTLS_ENABLED: bool(false),
  ORCHESTRATOR_TLS_SERVER_CA_CERT: text,
  ORCHESTRATOR_TLS_CLIENT_CA_CERT_DIR: text,
  ORCHESTRATOR_VERIFY_CLIENT_MSP_ID: bool(false),
  ORCHESTRATOR_ALLOW_IMPORT: bool(false),
  ORCHESTRATOR_REPLAY_EVENTS_BATCH_SIZE: positiveInt(100),
  ORCHESTRATOR_METRICS_ADDRESS: address(),
  METRICS_ENABLED: bool(false),
  ORCHESTRATOR_AMQP_URL: text,
  ORCHESTRATOR_AMQP_DSN: text,
  ORCHESTRATOR_AMQP_UNROUTABLE: z.enum(['retry', 'drop']).default('retry'),
  ORCHESTRATOR_SHUTDOWN_GRACE: duration('10s'),
  LOG_LEVEL: z
    .string()
    .optional()
    .transform((v, ctx) => {
      const level = LOG_LEVELS[(v ?? '').trim().toLowerCase() || 'info'];
      if (level) return level;
      ctx.addIssue({ code: 'custom', message: `expected one of ${Object.keys(LOG_LEVELS).join(', ')}, got "${v}"` });
      return z.NEVER;
    }),
});

type Env = z.output<typeof env>;

function required(e: Env, name: keyof Env & string, why: string): string {
  const value = e[name];
  if (typeof value !== 'string') throw new ConfigError(name, `required ${why}`);
  return value;
}

function tlsConfig(e: Env): TlsConfig | undefined {
  if (!e.ORCHESTRATOR_TLS_ENABLED) {
    if (e.ORCHESTRATOR_MTLS_ENABLED) {
      throw new ConfigError('ORCHESTRATOR_MTLS_ENABLED', 'needs ORCHESTRATOR_TLS_ENABLED=true');
    }
    return undefined;
  }
  const tls: TlsConfig = {
    certPath: required(e, 'ORCHESTRATOR_TLS_CERT_PATH', 'when ORCHESTRATOR_TLS_ENABLED=true'),
    keyPath: required(e, 'ORCHESTRATOR_TLS_KEY_PATH', 'when ORCHESTRATOR_TLS_ENABLED=true'),
    mtls: e.ORCHESTRATOR_MTLS_ENABLED,
    serverCaCertPath: e.ORCHESTRATOR_TLS_SERVER_CA_CERT,
    clientCaCertDir: e.ORCHESTRATOR_TLS_CLIENT_CA_CERT_DIR,
  };
  if (tls.mtls && !tls.clientCaCertDir && !tls.serverCaCertPath) {
    throw new ConfigError(
      'ORCHESTRATOR_TLS_CLIENT_CA_CERT_DIR',
      'required when ORCHESTRATOR_MTLS_ENABLED=true (or set ORCHESTRATOR_TLS_SERVER_CA_CERT)',
    );
  }
  return tls;
}

/**
 * Who may use which channel in distributed mode: Fabric decides (a peer refuses a non-member's proposal), so the
 * facade answers the same, from the network's membership (ORCHESTRATOR_FABRIC_CHANNEL_ORGS in facade.env) rather than
 * the two-organization default. An explicit channel file may narrow that membership, never widen it: a facade that
 * let in an organization Fabric refuses would turn a plain PERMISSION_DENIED into the network's refusal, or serve a
 * channel the network does not have.
 */
function fabricChannels(fabric: FabricConfig, explicit: ChannelConfig | undefined): ChannelConfig {
  const membership = channelConfig(Object.fromEntries(fabric.channelMembers));
  if (!explicit) return membership;
  const excess = firstExcess(explicit, membership);
  if (excess) {
    throw new ConfigError(
      'ORCHESTRATOR_CHANNEL_CONFIG',
      "grants more than the Fabric network's membership (ORCHESTRATOR_FABRIC_CHANNEL_ORGS): " +
        `${excess}; fix the file, or unset ORCHESTRATOR_CHANNEL_CONFIG to use the membership as it is`,
    );
  }
  return explicit;
}

/**
 * Fabric variables are read in distributed mode only. Set without it, they used to be ignored: the operator who
 * forgot ORCHESTRATOR_MODE believed to be on the Fabric network while the facade served a fresh embedded store.
 */
function refuseFabricVariables(vars: Record<string, string | undefined>): void {
  const fabricVariable = Object.keys(vars)
    .sort()
    .find((name) => name.startsWith('ORCHESTRATOR_FABRIC_') && vars[name]?.trim());
  if (fabricVariable) {
    throw new ConfigError(
      'ORCHESTRATOR_MODE',
      `${fabricVariable} is set but ORCHESTRATOR_MODE is not "distributed": set ORCHESTRATOR_MODE=distributed to use ` +
        'the Fabric network, or unset the ORCHESTRATOR_FABRIC_* variables',
    );
  }
}

/**
 * Reads the configuration from environment variables. `cwd` anchors the default data folder (./.data) and relative
 * paths. Throws a ConfigError naming the offending variable.
 */
export function loadConfig(vars: Record<string, string | undefined> = process.env, cwd = process.cwd()): Config {
  const parsed = env.safeParse(vars);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new ConfigError(String(issue?.path[0] ?? 'environment'), issue?.message ?? 'invalid');
  }
  const e = parsed.data;

  let explicitChannels: ChannelConfig | undefined;
  if (e.ORCHESTRATOR_CHANNEL_CONFIG) {
    try {
      explicitChannels = loadChannelConfig(resolve(cwd, e.ORCHESTRATOR_CHANNEL_CONFIG));
    } catch (err) {
      throw new ConfigError('ORCHESTRATOR_CHANNEL_CONFIG', (err as Error).message);
    }
  }

  const tls = tlsConfig(e);
  if (e.ORCHESTRATOR_VERIFY_CLIENT_MSP_ID && !tls?.mtls) {
    throw new ConfigError(
      'ORCHESTRATOR_VERIFY_CLIENT_MSP_ID',
      'needs ORCHESTRATOR_MTLS_ENABLED=true (client certificates)',
    );
  }

  if (e.ORCHESTRATOR_AMQP_URL && e.ORCHESTRATOR_AMQP_DSN && e.ORCHESTRATOR_AMQP_URL !== e.ORCHESTRATOR_AMQP_DSN) {
    throw new ConfigError('ORCHESTRATOR_AMQP_DSN', 'differs from ORCHESTRATOR_AMQP_URL (set only one)');
  }

  const metrics =
    e.ORCHESTRATOR_METRICS_ADDRESS ?? (e.METRICS_ENABLED ? parseHostPort(DEFAULT_METRICS_ADDRESS) : undefined);

  const dataDir = resolve(cwd, e.ORCHESTRATOR_DATA_DIR ?? '.data');
  if (e.ORCHESTRATOR_MODE !== 'distributed') refuseFabricVariables(vars);
  let fabric: FabricConfig | undefined;
  if (e.ORCHESTRATOR_MODE === 'distributed') {
    try {
      fabric = loadFabricConfig(vars);
    } catch (err) {
      const variable = vars.ORCHESTRATOR_FABRIC_CONNECTION_PROFILE
        ? 'ORCHESTRATOR_FABRIC_CONNECTION_PROFILE'
        : 'ORCHESTRATOR_FABRIC_*';
      throw new ConfigError(variable, err instanceof Error ? err.message : String(err));
    }
  }
  const channels = fabric
    ? fabricChannels(fabric, explicitChannels)
    : (explicitChannels ?? channelConfig(DEFAULT_CHANNELS));

  return {
    mode: e.ORCHESTRATOR_MODE,
    dataDir,
    fabric,
    grpc: {
      ...(e.ORCHESTRATOR_GRPC_ADDRESS as HostPort),
      maxReceiveMessageBytes: e.ORCHESTRATOR_GRPC_MAX_RECEIVE_MESSAGE_BYTES,
      keepalive: {
        minTimeMs: e.ORCHESTRATOR_GRPC_KEEPALIVE_POLICY_MIN_TIME,
        permitWithoutStream: e.ORCHESTRATOR_GRPC_KEEPALIVE_POLICY_PERMIT_WITHOUT_STREAM,
      },
    },
    storage: e.ORCHESTRATOR_DATABASE_URL
      ? { kind: 'postgres', url: e.ORCHESTRATOR_DATABASE_URL }
      : { kind: 'leveldb', dataDir },
    channels,
    // One Fabric attempt lasts at least a block (endorse, order, commit): a conflict needs seconds, not 500 ms.
    txRetryBudgetMs:
      vars.ORCHESTRATOR_TX_RETRY_BUDGET === undefined && e.ORCHESTRATOR_MODE === 'distributed'
        ? DISTRIBUTED_TX_RETRY_BUDGET_MS
        : e.ORCHESTRATOR_TX_RETRY_BUDGET,
    fabricBatching: {
      maxEndorsing: e.ORCHESTRATOR_FABRIC_MAX_ENDORSING,
      maxCalls: e.ORCHESTRATOR_FABRIC_BATCH_MAX_CALLS,
      maxBytes: FABRIC_BATCH_MAX_BYTES,
    },
    tls,
    verifyClientMspId: e.ORCHESTRATOR_VERIFY_CLIENT_MSP_ID,
    allowImport: e.ORCHESTRATOR_ALLOW_IMPORT,
    replayEventsBatchSize: e.ORCHESTRATOR_REPLAY_EVENTS_BATCH_SIZE,
    logLevel: e.LOG_LEVEL,
    metrics,
    amqpUrl: e.ORCHESTRATOR_AMQP_URL ?? e.ORCHESTRATOR_AMQP_DSN,
    amqpUnroutable: e.ORCHESTRATOR_AMQP_UNROUTABLE,
    shutdownGraceMs: e.ORCHESTRATOR_SHUTDOWN_GRACE,
  };
}

/** "host:port" as clients dial it (IPv6 hosts in brackets). */
export function formatHostPort({ host, port }: HostPort): string {
  return host.includes(':') ? `[${host}]:${port}` : `${host}:${port}`;
}
