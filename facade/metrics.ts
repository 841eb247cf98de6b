// Prometheus metrics: per-RPC counters and latency (go-grpc-prometheus names, so Substra dashboards keep working),
// Substra's own ledger metrics (orc_*: same names, labels and buckets), events sent, and the default process
// metrics, on an HTTP endpoint that also answers Kubernetes' liveness and readiness probes. One Registry per server
// instance so that several orchestrators in one process (tests) do not collide.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Counter, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import { grpcPath, type UnaryRpc } from '../lib/api/index.js';
import { ComputeTaskService, ComputeTaskStatus, EventKind, type Event } from '../lib/asset/index.js';
import type { CallObserver } from './backend.js';
import { formatHostPort, type HostPort } from './config.js';

export type RpcType = 'unary' | 'server_stream';

/** Substra's buckets for batch and cascade sizes. */
const SIZE_BUCKETS = [5, 10, 50, 100, 500, 1000, 5000, 10000];
const REGISTER_TASKS = `/${ComputeTaskService.typeName}/${ComputeTaskService.method.registerTasks.name}`;

/** What the HTTP endpoint asks before answering a readiness probe. */
type ReadinessCheck = () => Promise<boolean>;

export class Metrics implements CallObserver {
  readonly registry = new Registry();

  private readonly started = new Counter({
    name: 'grpc_server_started_total',
    help: 'RPCs started on the server.',
    labelNames: ['grpc_service', 'grpc_method', 'grpc_type'] as const,
    registers: [this.registry],
  });

  private readonly handled = new Counter({
    name: 'grpc_server_handled_total',
    help: 'RPCs completed on the server, by status code.',
    labelNames: ['grpc_service', 'grpc_method', 'grpc_type', 'grpc_code'] as const,
    registers: [this.registry],
  });

  private readonly latency = new Histogram({
    name: 'grpc_server_handling_seconds',
    help: 'Time from receiving a request to sending its status.',
    labelNames: ['grpc_service', 'grpc_method', 'grpc_type', 'grpc_code'] as const,
    buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    registers: [this.registry],
  });

  private readonly eventsSent = new Counter({
    name: 'orc_event_sent_total',
    help: 'Events delivered, by transport (stream = SubscribeToEvents, amqp = RabbitMQ publish confirmed).',
    labelNames: ['transport'] as const,
    registers: [this.registry],
  });

  // Substra's ledger metrics. They are counted where the ledger logic runs: in this process in embedded and
  // standalone mode; in distributed mode the chaincode runs it, and these stay at zero here.
  private readonly tasksRegistered = new Counter({
    name: 'orc_task_registered_total',
    help: 'Number of registered tasks',
    labelNames: ['channel'] as const,
    registers: [this.registry],
  });

  private readonly registrationBatchSize = new Histogram({
    name: 'orc_task_registration_batch_size',
    help: 'Size of task batches',
    labelNames: ['channel'] as const,
    buckets: SIZE_BUCKETS,
    registers: [this.registry],
  });

  private readonly tasksUpdated = new Counter({
    name: 'orc_task_updated_total',
    help: 'Number of updated tasks',
    labelNames: ['channel', 'status'] as const,
    registers: [this.registry],
  });

  private readonly cascadeSize = new Histogram({
    name: 'orc_task_update_cascade_size',
    help: 'Number of updated children as a consequence of a task update',
    labelNames: ['channel', 'status'] as const,
    buckets: SIZE_BUCKETS,
    registers: [this.registry],
  });

  private readonly transactions = new Counter({
    name: 'orc_db_transaction_total',
    help: 'Number of database transactions, partitioned by method and outcome (commit/rollback)',
    labelNames: ['method', 'outcome'] as const,
    registers: [this.registry],
  });

  constructor() {
    collectDefaultMetrics({ register: this.registry });
  }

  /**
   * Derives the task metrics from the events a call committed, so that they count exactly what was stored: a
   * created task event per registered task, an updated task event per status change. A task that reaches DONE
   * releases its children in the same call (their events follow its own); their number is the cascade, which
   * Substra labels with the children's transition.
   */
  committed(rpc: UnaryRpc, channel: string, events: readonly Event[]): void {
    const method = grpcPath(rpc);
    this.transactions.inc({ method, outcome: 'commit' });
    let registered = 0;
    let cascade: number | undefined;
    for (const event of events) {
      if (event.asset.case !== 'computeTask') continue;
      if (event.eventKind === EventKind.EVENT_ASSET_CREATED) registered++;
      if (event.eventKind !== EventKind.EVENT_ASSET_UPDATED) continue;
      const status = event.asset.value.status;
      this.tasksUpdated.inc({ channel, status: ComputeTaskStatus[status] });
      if (status === ComputeTaskStatus.STATUS_DONE) {
        if (cascade !== undefined) this.observeCascade(channel, cascade);
        cascade = 0;
      } else if (cascade !== undefined && status === ComputeTaskStatus.STATUS_WAITING_FOR_EXECUTOR_SLOT) {
        cascade++;
      }
    }
    if (cascade !== undefined) this.observeCascade(channel, cascade);
    if (registered > 0) this.tasksRegistered.inc({ channel }, registered);
    if (method === REGISTER_TASKS) this.registrationBatchSize.observe({ channel }, registered);
  }

  rolledBack(rpc: UnaryRpc): void {
    this.transactions.inc({ method: grpcPath(rpc), outcome: 'rollback' });
  }

  private observeCascade(channel: string, children: number): void {
    this.cascadeSize.observe({ channel, status: 'transitionWaitingExecutorSlot' }, children);
  }

  rpcStarted(service: string, method: string, type: RpcType): void {
    this.started.inc({ grpc_service: service, grpc_method: method, grpc_type: type });
  }

  rpcHandled(service: string, method: string, type: RpcType, code: string, seconds: number): void {
    const labels = { grpc_service: service, grpc_method: method, grpc_type: type, grpc_code: code };
    this.handled.inc(labels);
    this.latency.observe(labels, seconds);
  }

  eventSent(transport: 'stream' | 'amqp', count = 1): void {
    this.eventsSent.inc({ transport }, count);
  }

  /**
   * Serves GET /metrics, and the probes: /healthz answers 200 while the process runs (liveness), /readyz 200 when
   * `ready` says so and 503 otherwise (readiness: a load balancer stops sending traffic). Resolves with the bound
   * address once listening.
   */
  serve(at: HostPort, ready: ReadinessCheck): Promise<{ address: string; close(): Promise<void> }> {
    const server: Server = createServer((req, res) => {
      const path = req.method === 'GET' ? (req.url ?? '').split('?')[0] : undefined;
      if (path === '/healthz') {
        res.writeHead(200, { 'content-type': 'text/plain' }).end('ok\n');
      } else if (path === '/readyz') {
        ready().then(
          (ok) => res.writeHead(ok ? 200 : 503, { 'content-type': 'text/plain' }).end(ok ? 'ready\n' : 'not ready\n'),
          () => res.writeHead(503, { 'content-type': 'text/plain' }).end('not ready\n'),
        );
      } else if (path === '/metrics') {
        this.registry.metrics().then(
          (body) => res.writeHead(200, { 'content-type': this.registry.contentType }).end(body),
          (err: unknown) => res.writeHead(500).end(String(err)),
        );
      } else {
        res.writeHead(404).end();
      }
    });
    return new Promise((resolve, reject) => {
      server.once('error', reject);
      server.listen(at.port, at.host, () => {
        const { port } = server.address() as AddressInfo;
        resolve({
          address: formatHostPort({ host: at.host, port }),
          close: () =>
            new Promise<void>((done) => {
              server.close(() => done());
              server.closeAllConnections();
            }),
        });
      });
    });
  }
}
