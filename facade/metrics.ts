// Prometheus metrics: per-RPC counters and latency (go-grpc-prometheus names, so Substra dashboards keep working),
// events sent, and the default process metrics, on an HTTP /metrics endpoint. One Registry per server instance so
// that several orchestrators in one process (tests) do not collide.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Counter, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import { formatHostPort, type HostPort } from './config.js';

export type RpcType = 'unary' | 'server_stream';

export class Metrics {
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

  constructor() {
    collectDefaultMetrics({ register: this.registry });
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

  /** Serves GET /metrics; resolves with the bound address once listening. */
  serve(at: HostPort): Promise<{ address: string; close(): Promise<void> }> {
    const server: Server = createServer((req, res) => {
      if (req.method !== 'GET' || (req.url ?? '').split('?')[0] !== '/metrics') {
        res.writeHead(404).end();
        return;
      }
      this.registry.metrics().then(
        (body) => res.writeHead(200, { 'content-type': this.registry.contentType }).end(body),
        (err: unknown) => res.writeHead(500).end(String(err)),
      );
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
