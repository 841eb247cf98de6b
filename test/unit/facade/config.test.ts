import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseChannelConfig } from '../../../facade/channels.js';
import { ConfigError, loadConfig, parseHostPort } from '../../../facade/config.js';
import { parseGoDuration } from '../../../facade/duration.js';

const cwd = '/srv/orc';

function configError(env: Record<string, string>): ConfigError {
  try {
    loadConfig(env, cwd);
  } catch (err) {
    expect(err).toBeInstanceOf(ConfigError);
    return err as ConfigError;
  }
  throw new Error('expected a ConfigError');
}

describe('loadConfig defaults', () => {
  const config = loadConfig({}, cwd);

  it('is zero-setup: embedded LevelDB in ./.data, gRPC on 127.0.0.1:9000', () => {
    expect(config.mode).toBe('standalone');
    expect(config.storage).toEqual({ kind: 'leveldb', dataDir: '/srv/orc/.data' });
    expect(config.grpc).toMatchObject({ host: '127.0.0.1', port: 9000 });
  });

  it('serves the two default channels to both default organizations', () => {
    expect([...config.channels.keys()]).toEqual(['mychannel', 'yourchannel']);
    for (const msps of config.channels.values()) expect([...msps]).toEqual(['MyOrg1MSP', 'MyOrg2MSP']);
  });

  it('uses Substra defaults for the other settings', () => {
    expect(config.txRetryBudgetMs).toBe(500);
    expect(config.replayEventsBatchSize).toBe(100);
    expect(config.grpc.keepalive).toEqual({ minTimeMs: 30_000, permitWithoutStream: false });
    expect(config.grpc.maxReceiveMessageBytes).toBe(64 * 1024 * 1024);
    expect(config.tls).toBeUndefined();
    expect(config.verifyClientMspId).toBe(false);
    expect(config.metrics).toBeUndefined();
    expect(config.amqpUrl).toBeUndefined();
    expect(config.logLevel).toBe('info');
  });
});

describe('loadConfig values', () => {
  it('uses PostgreSQL when ORCHESTRATOR_DATABASE_URL is set', () => {
    const c = loadConfig({ ORCHESTRATOR_DATABASE_URL: 'postgres://u:p@db:5432/orc' }, cwd);
    expect(c.storage).toEqual({ kind: 'postgres', url: 'postgres://u:p@db:5432/orc' });
  });

  it('resolves a relative data folder against the working directory', () => {
    expect(loadConfig({ ORCHESTRATOR_DATA_DIR: 'state' }, cwd).storage).toEqual({
      kind: 'leveldb',
      dataDir: '/srv/orc/state',
    });
  });

  it('parses addresses, port 0 included', () => {
    expect(loadConfig({ ORCHESTRATOR_GRPC_ADDRESS: '127.0.0.1:0' }, cwd).grpc.port).toBe(0);
    expect(parseHostPort(':9000')).toEqual({ host: '0.0.0.0', port: 9000 });
    expect(parseHostPort('[::1]:9001')).toEqual({ host: '::1', port: 9001 });
    expect(() => parseHostPort('localhost')).toThrow();
    expect(() => parseHostPort('h:70000')).toThrow();
  });

  it('parses Go durations and booleans', () => {
    const c = loadConfig(
      {
        ORCHESTRATOR_TX_RETRY_BUDGET: '2s',
        ORCHESTRATOR_GRPC_KEEPALIVE_POLICY_MIN_TIME: '1m30s',
        ORCHESTRATOR_GRPC_KEEPALIVE_POLICY_PERMIT_WITHOUT_STREAM: 'TRUE',
        ORCHESTRATOR_REPLAY_EVENTS_BATCH_SIZE: '25',
        LOG_LEVEL: 'DEBUG',
      },
      cwd,
    );
    expect(c.txRetryBudgetMs).toBe(2000);
    expect(c.grpc.keepalive).toEqual({ minTimeMs: 90_000, permitWithoutStream: true });
    expect(c.replayEventsBatchSize).toBe(25);
    expect(c.logLevel).toBe('debug');
  });

  it('serves metrics on 127.0.0.1:8484 with METRICS_ENABLED, or on ORCHESTRATOR_METRICS_ADDRESS', () => {
    expect(loadConfig({ METRICS_ENABLED: 'true' }, cwd).metrics).toEqual({ host: '127.0.0.1', port: 8484 });
    expect(loadConfig({ ORCHESTRATOR_METRICS_ADDRESS: '0.0.0.0:9100' }, cwd).metrics).toEqual({
      host: '0.0.0.0',
      port: 9100,
    });
  });

  it('accepts ORCHESTRATOR_AMQP_DSN as an alias of ORCHESTRATOR_AMQP_URL', () => {
    expect(loadConfig({ ORCHESTRATOR_AMQP_DSN: 'amqp://mq' }, cwd).amqpUrl).toBe('amqp://mq');
    expect(loadConfig({ ORCHESTRATOR_AMQP_URL: 'amqp://a' }, cwd).amqpUrl).toBe('amqp://a');
  });

  it('reads TLS and mTLS settings', () => {
    const c = loadConfig(
      {
        ORCHESTRATOR_TLS_ENABLED: 'true',
        ORCHESTRATOR_TLS_CERT_PATH: '/c.pem',
        ORCHESTRATOR_TLS_KEY_PATH: '/k.pem',
        ORCHESTRATOR_MTLS_ENABLED: '1',
        ORCHESTRATOR_TLS_CLIENT_CA_CERT_DIR: '/cas',
        ORCHESTRATOR_VERIFY_CLIENT_MSP_ID: 'true',
      },
      cwd,
    );
    expect(c.tls).toEqual({ certPath: '/c.pem', keyPath: '/k.pem', mtls: true, clientCaCertDir: '/cas' });
    expect(c.verifyClientMspId).toBe(true);
  });

  it('loads a channel file in Substra format', () => {
    const dir = mkdtempSync(join(tmpdir(), 'orc-cfg-'));
    writeFileSync(join(dir, 'channels.yaml'), 'channels:\n  ch1: [OrgA, OrgB]\n  ch2:\n    - OrgB\n');
    const c = loadConfig({ ORCHESTRATOR_CHANNEL_CONFIG: 'channels.yaml' }, dir);
    rmSync(dir, { recursive: true, force: true });
    expect(Object.fromEntries([...c.channels].map(([k, v]) => [k, [...v]]))).toEqual({
      ch1: ['OrgA', 'OrgB'],
      ch2: ['OrgB'],
    });
  });
});

describe('loadConfig errors name the variable', () => {
  it.each([
    [{ ORCHESTRATOR_TX_RETRY_BUDGET: '500' }, 'ORCHESTRATOR_TX_RETRY_BUDGET'],
    [{ ORCHESTRATOR_TX_RETRY_BUDGET: '-1s' }, 'ORCHESTRATOR_TX_RETRY_BUDGET'],
    [{ ORCHESTRATOR_IDEMPOTENCY_WINDOW: 'a day' }, 'ORCHESTRATOR_IDEMPOTENCY_WINDOW'],
    [{ ORCHESTRATOR_AMQP_DISPATCH_GROUP: 'org 1' }, 'ORCHESTRATOR_AMQP_DISPATCH_GROUP'],
    [{ ORCHESTRATOR_TLS_ENABLED: 'yes' }, 'ORCHESTRATOR_TLS_ENABLED'],
    [{ ORCHESTRATOR_GRPC_ADDRESS: 'nowhere' }, 'ORCHESTRATOR_GRPC_ADDRESS'],
    [{ ORCHESTRATOR_REPLAY_EVENTS_BATCH_SIZE: '0' }, 'ORCHESTRATOR_REPLAY_EVENTS_BATCH_SIZE'],
    [{ ORCHESTRATOR_MODE: 'chaincode' }, 'ORCHESTRATOR_MODE'],
    [{ LOG_LEVEL: 'loud' }, 'LOG_LEVEL'],
    [{ ORCHESTRATOR_TLS_ENABLED: 'true' }, 'ORCHESTRATOR_TLS_CERT_PATH'],
    [{ ORCHESTRATOR_MTLS_ENABLED: 'true' }, 'ORCHESTRATOR_MTLS_ENABLED'],
    [{ ORCHESTRATOR_VERIFY_CLIENT_MSP_ID: 'true' }, 'ORCHESTRATOR_VERIFY_CLIENT_MSP_ID'],
    [{ ORCHESTRATOR_CHANNEL_CONFIG: '/does/not/exist.yaml' }, 'ORCHESTRATOR_CHANNEL_CONFIG'],
    [{ ORCHESTRATOR_AMQP_URL: 'amqp://a', ORCHESTRATOR_AMQP_DSN: 'amqp://b' }, 'ORCHESTRATOR_AMQP_DSN'],
    [{ ORCHESTRATOR_DATABASE_URL: 'nonsense' }, 'ORCHESTRATOR_DATABASE_URL'],
    [{ ORCHESTRATOR_DATABASE_URL: 'mysql://root@db/orc' }, 'ORCHESTRATOR_DATABASE_URL'],
    [{ ORCHESTRATOR_DATABASE_URL: 'host=db dbname=orc' }, 'ORCHESTRATOR_DATABASE_URL'],
  ])('%o → %s', (env, variable) => {
    const err = configError(env);
    expect(err.variable).toBe(variable);
    expect(err.message).toContain(variable);
  });

  it('never repeats a database URL, which may hold a password', () => {
    for (const url of ['mysql://root:s3cret@db/orc', 'postgres//root:s3cret@db/orc']) {
      expect(configError({ ORCHESTRATOR_DATABASE_URL: url }).message).not.toContain('s3cret');
    }
  });

  it('accepts both PostgreSQL schemes', () => {
    for (const url of ['postgres://db/orc', 'postgresql://u:p@[::1]:5433/orc?sslmode=disable']) {
      expect(loadConfig({ ORCHESTRATOR_DATABASE_URL: url }, cwd).storage).toEqual({ kind: 'postgres', url });
    }
  });
});

describe('parseGoDuration', () => {
  it.each([
    ['500ms', 500],
    ['2s', 2000],
    ['1m30s', 90_000],
    ['1.5h', 5_400_000],
    ['0', 0],
    ['250us', 0.25],
    ['100ns', 0.0001],
  ])('%s = %d ms', (text, ms) => expect(parseGoDuration(text)).toBeCloseTo(ms, 9));

  it.each(['', '5', 'ms', '1d', '1s x', 's1'])('rejects %j', (text) => expect(() => parseGoDuration(text)).toThrow());
});

describe('parseChannelConfig', () => {
  it('rejects a file without the channels map', () => {
    expect(() => parseChannelConfig('chans: {}')).toThrow(/channels/);
    expect(() => parseChannelConfig('channels: {a: [1]}')).toThrow(/channels\.a\.0/);
  });

  it('accepts an empty member list', () => {
    expect([...(parseChannelConfig('channels: {a: }').get('a') ?? [])]).toEqual([]);
  });
});

describe('channel authorization in distributed mode', () => {
  const org = (msp: string) =>
    Object.fromEntries(
      ['PEER', 'PEER_HOST', 'TLS_CA', 'CERT', 'KEY'].map((part) => [`ORCHESTRATOR_FABRIC_${msp}_${part}`, `/${part}`]),
    );
  // As network/up.sh writes it: MyOrg3MSP on yourchannel only.
  const fabric = {
    ORCHESTRATOR_MODE: 'distributed',
    ORCHESTRATOR_FABRIC_ORGS: 'MyOrg1MSP,MyOrg2MSP,MyOrg3MSP',
    ORCHESTRATOR_FABRIC_CHANNELS: 'mychannel,yourchannel',
    ORCHESTRATOR_FABRIC_CHAINCODE: 'orchestrator',
    ORCHESTRATOR_FABRIC_CHANNEL_ORGS: 'mychannel:MyOrg1MSP,MyOrg2MSP;yourchannel:MyOrg1MSP,MyOrg2MSP,MyOrg3MSP',
    ...org('MyOrg1MSP'),
    ...org('MyOrg2MSP'),
    ...org('MyOrg3MSP'),
  };
  const asObject = (channels: ReadonlyMap<string, ReadonlySet<string>>) =>
    Object.fromEntries([...channels].map(([name, msps]) => [name, [...msps]]));
  const withChannelFile = (yaml: string) => {
    const dir = mkdtempSync(join(tmpdir(), 'orc-cfg-'));
    writeFileSync(join(dir, 'channels.yaml'), yaml);
    try {
      return loadConfig({ ...fabric, ORCHESTRATOR_CHANNEL_CONFIG: 'channels.yaml' }, dir);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  };

  it("is the network's membership, not the two-organization default", () => {
    expect(asObject(loadConfig(fabric, cwd).channels)).toEqual({
      mychannel: ['MyOrg1MSP', 'MyOrg2MSP'],
      yourchannel: ['MyOrg1MSP', 'MyOrg2MSP', 'MyOrg3MSP'],
    });
  });

  it('may be narrowed by an explicit channel file', () => {
    expect(asObject(withChannelFile('channels:\n  yourchannel: [MyOrg3MSP]\n').channels)).toEqual({
      yourchannel: ['MyOrg3MSP'],
    });
  });

  it('refuses a channel file that grants what Fabric does not, naming ORCHESTRATOR_CHANNEL_CONFIG', () => {
    for (const yaml of ['channels:\n  mychannel: [MyOrg1MSP, MyOrg3MSP]\n', 'channels:\n  other: [MyOrg1MSP]\n']) {
      expect(() => withChannelFile(yaml)).toThrow(ConfigError);
      expect(() => withChannelFile(yaml)).toThrow(/^ORCHESTRATOR_CHANNEL_CONFIG: grants more than the Fabric/);
    }
    expect(() => withChannelFile('channels:\n  mychannel: [MyOrg1MSP, MyOrg3MSP]\n')).toThrow(
      /"MyOrg3MSP" is not a member of channel "mychannel"/,
    );
  });
});
