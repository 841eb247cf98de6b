// Starts a throwaway RabbitMQ broker (Debian's rabbitmq-server) for tests: free loopback ports, a unique node name,
// all state (mnesia, logs, Erlang cookie, epmd port) in a temporary folder. stop()/start() restart the same node on
// the same port with its data, so durable queues and persistent messages survive, as a broker restart in production.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import amqp, { type Channel, type ChannelModel, type ConsumeMessage } from 'amqplib';
import { waitForExit } from './child.js';
import { freePort } from './ports.js';

export interface TestRabbitMQ {
  /** amqp://guest:guest@127.0.0.1:<port> (guest may connect from loopback). */
  url: string;
  port: number;
  /** Output of the broker process(es). */
  logs: string[];
  readonly running: boolean;
  /** Graceful stop (SIGTERM); data is kept for start(). */
  stop(): Promise<void>;
  /** Starts the stopped broker again, same node, port and data; resolves when it accepts AMQP connections. */
  start(): Promise<void>;
  /** Stops the broker and its epmd, removes the folder. Idempotent. */
  destroy(): Promise<void>;
}

/** Debian installs the real scripts here; /usr/sbin/rabbitmq-server is a wrapper that switches to user rabbitmq. */
const SERVER_SCRIPT = '/usr/lib/rabbitmq/bin/rabbitmq-server';
const EPMD_CANDIDATES = ['/usr/lib/erlang/bin/epmd', '/usr/bin/epmd'];

export function findRabbitMQServer(): string {
  if (!existsSync(SERVER_SCRIPT)) {
    throw new Error(
      `RabbitMQ server not found (${SERVER_SCRIPT}): install it with ` +
        '`apt-get update && apt-get install -y --no-install-recommends rabbitmq-server` (Debian package rabbitmq-server)',
    );
  }
  return SERVER_SCRIPT;
}

async function sleep(ms: number): Promise<void> {
  await new Promise((r) => setTimeout(r, ms));
}

export async function startRabbitMQ(options: { startTimeoutMs?: number } = {}): Promise<TestRabbitMQ> {
  const script = findRabbitMQServer();
  const dir = mkdtempSync(join(tmpdir(), 'orc-rmq-'));
  const home = join(dir, 'home');
  mkdirSync(home);
  // The Erlang cookie lives in $HOME; a fixed one lets rabbitmqctl (same HOME) talk to the node if ever needed.
  writeFileSync(join(home, '.erlang.cookie'), randomBytes(16).toString('hex'), { mode: 0o400 });
  // No plugins: the management plugin would need another port and slows start-up.
  writeFileSync(join(dir, 'enabled_plugins'), '[].\n');
  writeFileSync(join(dir, 'rabbitmq-env.conf'), '');
  const [port, distPort, epmdPort] = [await freePort(), await freePort(), await freePort()];
  const nodeName = `orc-test-${process.pid}-${randomBytes(4).toString('hex')}@localhost`;
  const env: Record<string, string> = {
    PATH: process.env.PATH ?? '/usr/sbin:/usr/bin:/sbin:/bin',
    LANG: 'C.UTF-8',
    HOME: home,
    RABBITMQ_NODENAME: nodeName,
    RABBITMQ_NODE_IP_ADDRESS: '127.0.0.1',
    RABBITMQ_NODE_PORT: String(port),
    RABBITMQ_DIST_PORT: String(distPort),
    RABBITMQ_MNESIA_BASE: join(dir, 'mnesia'),
    RABBITMQ_LOG_BASE: join(dir, 'log'),
    RABBITMQ_ENABLED_PLUGINS_FILE: join(dir, 'enabled_plugins'),
    RABBITMQ_CONF_ENV_FILE: join(dir, 'rabbitmq-env.conf'),
    RABBITMQ_CONFIG_FILE: join(dir, 'rabbitmq'),
    RABBITMQ_ADVANCED_CONFIG_FILE: join(dir, 'advanced.config'),
    RABBITMQ_PID_FILE: join(dir, 'rabbitmq.pid'),
    // Our own epmd port, so the test broker neither needs nor disturbs a system epmd on 4369.
    ERL_EPMD_PORT: String(epmdPort),
  };
  const url = `amqp://guest:guest@127.0.0.1:${port}`;
  const logs: string[] = [];
  let child: ChildProcess | undefined;
  let destroyed = false;

  const launch = async (): Promise<void> => {
    const proc = spawn(script, [], { cwd: dir, env, stdio: ['ignore', 'pipe', 'pipe'] });
    child = proc;
    for (const stream of [proc.stdout, proc.stderr]) {
      stream.setEncoding('utf8');
      stream.on('data', (chunk: string) => logs.push(...chunk.split('\n').filter((l) => l.length > 0)));
    }
    const deadline = Date.now() + (options.startTimeoutMs ?? 180_000);
    // The broker is ready when an AMQP handshake succeeds (the TCP listener opens slightly before).
    for (;;) {
      if (proc.exitCode !== null || proc.signalCode !== null) {
        throw new Error(`rabbitmq-server exited (${proc.exitCode ?? proc.signalCode}):\n${logs.slice(-40).join('\n')}`);
      }
      try {
        const conn = await amqp.connect(url);
        await conn.close();
        return;
      } catch {
        if (Date.now() > deadline) {
          throw new Error(`RabbitMQ not ready on ${url} in time:\n${logs.slice(-40).join('\n')}`);
        }
        await sleep(250);
      }
    }
  };

  /** The Erlang VM's OS pid, from the pid file the node writes at boot. */
  const nodePid = (): number | undefined => {
    try {
      const pid = Number(readFileSync(env.RABBITMQ_PID_FILE!, 'utf8').trim());
      return Number.isInteger(pid) && pid > 0 ? pid : undefined;
    } catch {
      return undefined;
    }
  };

  const portFree = (): Promise<boolean> =>
    new Promise<boolean>((resolve) => {
      const srv = createServer();
      srv.once('error', () => resolve(false));
      srv.listen(port, '127.0.0.1', () => srv.close(() => resolve(true)));
    });

  const stop = async (): Promise<void> => {
    const proc = child;
    child = undefined;
    if (!proc || proc.exitCode !== null || proc.signalCode !== null) return;
    const vm = nodePid();
    // The script traps TERM and stops the Erlang node gracefully (messages on disk are kept).
    proc.kill('SIGTERM');
    if (!(await waitForExit(proc, 60_000))) {
      // Killing only the script would leave the node running, still serving the port: a later start() would then
      // "restart" onto the old, half-stopped node. Kill the VM too (it is ours: its pid file is in our folder).
      if (vm !== undefined) {
        try {
          process.kill(vm, 'SIGKILL');
        } catch {
          // already gone
        }
      }
      proc.kill('SIGKILL');
      await waitForExit(proc, 5_000);
    }
    // The node may outlive the script for a moment; wait until the port is released before a restart.
    const deadline = Date.now() + 30_000;
    while (!(await portFree())) {
      if (Date.now() > deadline) throw new Error(`RabbitMQ test broker still holds port ${port} after stopping`);
      await sleep(200);
    }
  };

  const destroy = async (): Promise<void> => {
    if (destroyed) return;
    destroyed = true;
    await stop();
    // Our epmd daemon (started by the node on our private port) is the only process left.
    const epmd = EPMD_CANDIDATES.find((p) => existsSync(p));
    if (epmd) spawnSync(epmd, ['-kill'], { env, timeout: 10_000, stdio: 'ignore' });
    rmSync(dir, { recursive: true, force: true });
  };

  try {
    await launch();
  } catch (err) {
    await destroy();
    throw err;
  }

  return {
    url,
    port,
    logs,
    get running() {
      return child !== undefined;
    },
    stop,
    start: async () => {
      if (destroyed) throw new Error('RabbitMQ test broker was destroyed');
      if (child) return;
      await launch();
    },
    destroy,
  };
}

/** The exchange the orchestrator publishes to (one topic exchange, routing key = channel). */
const ORCHESTRATOR_EXCHANGE = 'orchestrator';

export interface Delivery {
  id: string;
  routingKey: string;
  contentType: string | undefined;
  body: Record<string, unknown>;
  redelivered: boolean;
}

/**
 * A consumer of one durable queue bound to the exchange with a channel's routing key. It survives broker restarts:
 * reconnect() opens a new connection to the same queue (unacknowledged messages come back, flagged redelivered).
 */
export class QueueConsumer {
  readonly deliveries: Delivery[] = [];
  private conn: ChannelModel | undefined;
  private channel: Channel | undefined;

  constructor(
    private readonly url: string,
    readonly queue: string,
    private readonly routingKey: string,
  ) {}

  async connect(): Promise<void> {
    const conn = await amqp.connect(this.url);
    // A broker going away is expected in the restart test: errors must not crash the test process.
    conn.on('error', () => undefined);
    const channel = await conn.createChannel();
    channel.on('error', () => undefined);
    await channel.assertExchange(ORCHESTRATOR_EXCHANGE, 'topic', { durable: true });
    await channel.assertQueue(this.queue, { durable: true });
    await channel.bindQueue(this.queue, ORCHESTRATOR_EXCHANGE, this.routingKey);
    await channel.consume(this.queue, (msg: ConsumeMessage | null) => {
      if (!msg) return;
      this.deliveries.push({
        id: String(msg.properties.messageId ?? ''),
        routingKey: msg.fields.routingKey,
        contentType: msg.properties.contentType as string | undefined,
        body: JSON.parse(msg.content.toString('utf8')) as Record<string, unknown>,
        redelivered: msg.fields.redelivered,
      });
      channel.ack(msg);
    });
    this.conn = conn;
    this.channel = channel;
  }

  async reconnect(): Promise<void> {
    await this.close();
    await this.connect();
  }

  async close(): Promise<void> {
    await this.channel?.close().catch(() => undefined);
    await this.conn?.close().catch(() => undefined);
    this.channel = undefined;
    this.conn = undefined;
  }

  /** Event ids in first-arrival order, without duplicates. */
  uniqueIds(): string[] {
    return [...new Set(this.deliveries.map((d) => d.id))];
  }
}
