import { join } from 'node:path';
// Assembles one orchestrator: backend, gRPC server (orchestrator services + health + reflection), metrics endpoint,
// AMQP dispatcher; and takes it apart in the reverse order. Tests start it in process with startOrchestrator().
import { Server, type ServerCredentials } from '@grpc/grpc-js';
import type { Backend, CallObserver } from './backend.js';
import { ConfigError, formatHostPort, type Config } from './config.js';
import { amqpPublisher, Dispatcher } from './events/amqp.js';
import { addMigrationService } from './grpc/migration.js';
import { addOrchestratorServices } from './grpc/services.js';
import { Health } from './health.js';
import { createLogger, type Logger } from './logger.js';
import { Metrics } from './metrics.js';
import { StorageWatch, storageReachable } from './readiness.js';
import { addReflection } from './reflection.js';
import { databaseOpenError, listenError, preflight } from './startup/index.js';
import { serverCredentials } from './tls.js';

export interface Orchestrator {
  /** "host:port" actually bound (port 0 in the configuration is resolved here). */
  address: string;
  /** "leveldb" (embedded), "postgres" or "fabric". */
  storage: string;
  /** "host:port" of /metrics when enabled. */
  metricsAddress?: string;
  /** Graceful stop: health NOT_SERVING, streams ended, in-flight calls drained, database closed. Idempotent. */
  close(): Promise<void>;
}

interface StartOptions {
  logger?: Logger;
  /** Use this backend instead of creating one from the configuration (tests). It is closed by close(). */
  backend?: Backend;
}

/**
 * The seam between modes: `standalone` runs the ledger logic here, embedded (LevelDB in the data folder) or on
 * PostgreSQL; `distributed` forwards every call to Fabric. Each backend is imported only in its mode: the PostgreSQL drivers and the Fabric gateway cost about 20 and 45 MiB of
 * resident memory, which the other mode never uses.
 */
async function createBackend(config: Config, logger: Logger, observer: CallObserver): Promise<Backend> {
  switch (config.mode) {
    case 'standalone': {
      if (config.storage.kind === 'leveldb') {
        const { EmbeddedBackend } = await import('./embedded/backend.js');
        return EmbeddedBackend.open({
          dataDir: config.storage.dataDir,
          replayEventsBatchSize: config.replayEventsBatchSize,
          observer,
        });
      }
      const { PostgresBackend } = await import('./postgres/backend.js');
      const { url } = config.storage;
      return PostgresBackend.open({
        url,
        txRetryBudgetMs: config.txRetryBudgetMs,
        replayEventsBatchSize: config.replayEventsBatchSize,
        logger,
        observer,
      }).catch((err: unknown) => {
        throw databaseOpenError(err, url) || err;
      });
    }
    case 'distributed': {
      if (!config.fabric) throw new ConfigError('ORCHESTRATOR_MODE', 'distributed mode needs a Fabric configuration');
      const { FabricBackend } = await import('./fabric/backend.js');
      return FabricBackend.open({
        config: config.fabric,
        retryBudgetMs: config.txRetryBudgetMs,
        batching: config.fabricBatching,
        amqpCheckpointFile: config.amqpUrl ? join(config.dataDir, 'fabric-amqp-checkpoint.json') : undefined,
        eventIndexDir: join(config.dataDir, 'fabric-events'),
        replayEventsBatchSize: config.replayEventsBatchSize,
        logger,
      });
    }
  }
}

function bind(server: Server, address: string, credentials: ServerCredentials): Promise<number> {
  return new Promise((resolve, reject) =>
    server.bindAsync(address, credentials, (err, port) => (err ? reject(err) : resolve(port))),
  );
}

function shutdownServer(server: Server, graceMs: number): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(() => {
      server.forceShutdown();
      resolve();
    }, graceMs);
    server.tryShutdown(() => {
      clearTimeout(timer);
      resolve();
    });
  });
}

export async function startOrchestrator(config: Config, options: StartOptions = {}): Promise<Orchestrator> {
  await preflight(config, options.backend !== undefined);
  const logger = options.logger ?? createLogger(config.logLevel);
  const tls = serverCredentials(config.tls);
  const metrics = new Metrics();
  const backend = options.backend ?? (await createBackend(config, logger, metrics));
  const shutdown = new AbortController();
  const server = new Server({
    // 1,000-task RegisterTasks batches exceed grpc's 4 MiB default; responses are unbounded as in grpc-go.
    'grpc.max_receive_message_length': config.grpc.maxReceiveMessageBytes,
    'grpc.max_send_message_length': -1,
  });
  let metricsEndpoint: { address: string; close(): Promise<void> } | undefined;
  let dispatcher: Dispatcher | undefined;

  try {
    const pipeline = {
      backend,
      channels: config.channels,
      logger,
      metrics,
      verifyMspId: config.verifyClientMspId ? { clientCas: tls.clientCas } : undefined,
      shutdown: shutdown.signal,
    };
    const serviceNames = addOrchestratorServices(server, pipeline);
    serviceNames.push(addMigrationService(server, { ...pipeline, allowImport: config.allowImport }));
    const health = new Health(serviceNames);
    health.addToServer(server);
    addReflection(server);

    // preflight() found both addresses free; another process may have taken one since.
    const port = await bind(server, formatHostPort(config.grpc), tls.credentials).catch((err: unknown) => {
      throw listenError(err, config.grpc, 'ORCHESTRATOR_GRPC_ADDRESS');
    });
    const address = formatHostPort({ host: config.grpc.host, port });
    let serving = false;
    const metricsAt = config.metrics;
    if (metricsAt) {
      metricsEndpoint = await metrics
        .serve(metricsAt, async () => serving && (await storageReachable(backend)))
        .catch((err: unknown) => {
          throw listenError(err, metricsAt, 'ORCHESTRATOR_METRICS_ADDRESS');
        });
    }
    if (config.amqpUrl) {
      if (!backend.outbox) throw new Error(`the ${backend.storage} backend cannot feed AMQP dispatch`);
      dispatcher = new Dispatcher(backend.outbox, amqpPublisher(config.amqpUrl, logger), logger, metrics, {
        batchSize: config.replayEventsBatchSize,
        unroutable: config.amqpUnroutable,
      });
      dispatcher.start();
    }
    health.setAll('SERVING');
    serving = true;
    const storageWatch = new StorageWatch(backend, health, logger);
    storageWatch.start();
    logger.info(
      {
        address,
        storage: backend.storage,
        mode: config.mode,
        ...(config.storage.kind === 'leveldb' && backend.storage === 'leveldb'
          ? { data_dir: config.storage.dataDir }
          : {}),
        tls: config.tls ? (config.tls.mtls ? 'mtls' : 'tls') : 'off',
        metrics: metricsEndpoint?.address ?? null,
        amqp: dispatcher !== undefined,
        channels: [...config.channels.keys()],
      },
      'listening',
    );

    let closing: Promise<void> | undefined;
    const close = (): Promise<void> =>
      (closing ??= (async () => {
        logger.info('shutting down');
        serving = false;
        storageWatch.stop();
        health.setAll('NOT_SERVING');
        // Event streams never end by themselves: end them (UNAVAILABLE) so that the drain below can finish.
        shutdown.abort();
        await Promise.all([dispatcher?.stop(), shutdownServer(server, config.shutdownGraceMs)]);
        await metricsEndpoint?.close();
        await backend.close();
        logger.info('stopped');
      })());

    return { address, storage: backend.storage, metricsAddress: metricsEndpoint?.address, close };
  } catch (err) {
    shutdown.abort();
    server.forceShutdown();
    await dispatcher?.stop();
    await metricsEndpoint?.close();
    await backend.close().catch(() => undefined);
    throw err;
  }
}
