// RabbitMQ dispatch (substra-behaviour §4.6 conventions): every committed event is published to the durable topic exchange
// `orchestrator`, routing key = channel, body = the Event as protojson (proto field names, defaults emitted),
// content type application/json, persistent, message id = event id, with publisher confirms.
//
// Delivery guarantee: the outbox (the events table) is the source of truth, with a durable cursor advanced only
// after RabbitMQ confirmed AND queued a whole batch. A broker outage therefore delays events but never loses or
// reorders them: the dispatcher reconnects with exponential backoff (reset only once a session made progress) and
// resumes after the cursor. A crash between confirm and cursor update re-publishes the tail of a batch, so delivery
// is AT LEAST ONCE: consumers de-duplicate on the AMQP `message-id` (= event id). Publishes go through one channel
// in position order, so the first copy of each event arrives in order (per channel; the one exception is a queue
// bound in the middle of a batch whose events of that channel were being returned: the copies routed after the bind
// arrive before the re-sent ones).
//
// Unroutable messages. A publisher confirm only says the broker took responsibility for a message: a message that
// matches no binding (no queue bound for its channel yet, a queue deleted and being re-created, a non-durable queue
// gone with a broker restart) is dropped by RabbitMQ and still confirmed. Every message is therefore published
// `mandatory`: the broker then sends it back (basic.return, always before its confirm) and the batch counts as not
// delivered. What then is a policy (DispatcherOptions.unroutable):
//   - 'retry' (default): the cursor stops just before the first returned event and the dispatcher retries with
//     backoff until a queue is bound. Nothing is lost (the events table keeps every event anyway, so holding costs
//     no storage), but every channel waits behind the unroutable one, since there is a single ordered cursor, and
//     the routable events after it in its batch are re-sent with each retry (duplicates, same message id).
//     Substra's topology is created by an operator (one queue per consumer organisation, bound to each channel it
//     belongs to, re-applied every 30s): an unbound channel is either that operator not having run yet, which the
//     retry absorbs, or a deployment error, which must be fixed rather than silently lose events.
//   - 'drop': the returned events are counted, logged and skipped (RabbitMQ's own default behaviour), for
//     deployments that publish channels nobody consumes.
// Either way it is visible: an error log per occurrence (channels, counts, cursor) and the counters
// orc_amqp_unroutable_total{routing_key} and orc_amqp_dropped_total{routing_key}.
import { once } from 'node:events';
import { setTimeout as sleep } from 'node:timers/promises';
import { toJsonString } from '@bufbuild/protobuf';
import type { ChannelModel, ConfirmChannel, Message } from 'amqplib';
import { Counter, type Registry } from 'prom-client';
import { EventSchema, type Event } from '../../lib/asset/index.js';
import type { EventOutbox } from '../backend.js';
import type { Logger } from '../logger.js';
import type { Metrics } from '../metrics.js';

const EXCHANGE = 'orchestrator';

/** How long closing a broker session may take before it is abandoned (a broker that stopped answering). */
const CLOSE_TIMEOUT_MS = 5_000;

/** The AMQP body of an event: protojson as Go's protojson with UseProtoNames + EmitUnpopulated. */
export function eventBody(event: Event): Buffer {
  return Buffer.from(toJsonString(EventSchema, event, { useProtoFieldName: true, alwaysEmitImplicit: true }));
}

/** Some messages of a batch matched no binding: RabbitMQ returned them (mandatory) instead of queueing them. */
export class UnroutableError extends Error {
  override readonly name = 'UnroutableError';

  constructor(
    /** Index in the batch of the first returned message: every message before it was confirmed and queued. */
    readonly firstIndex: number,
    /** Returned messages per routing key (= channel). */
    readonly byRoutingKey: ReadonlyMap<string, number>,
  ) {
    super(
      `RabbitMQ returned ${[...byRoutingKey.values()].reduce((a, b) => a + b, 0)} message(s) as unroutable: ` +
        `no queue bound to exchange "${EXCHANGE}" for routing key(s) ${[...byRoutingKey.keys()].join(', ')}`,
    );
  }

  /** How many messages were returned. */
  get count(): number {
    return [...this.byRoutingKey.values()].reduce((a, b) => a + b, 0);
  }
}

/** One broker session. */
export interface Publisher {
  /**
   * Publishes in order; resolves once the broker confirmed every message and queued each in at least one queue.
   * Rejects with UnroutableError if some were returned as unroutable, with another error if any was not confirmed.
   */
  publishBatch(events: readonly Event[]): Promise<void>;
  close(): Promise<void>;
}

type PublisherFactory = () => Promise<Publisher>;

export function amqpPublisher(url: string, logger: Logger): PublisherFactory {
  return async () => {
    // Loaded on first use: a server without ORCHESTRATOR_AMQP_URL never pays for amqplib at start.
    const { connect } = await import('amqplib');
    const conn: ChannelModel = await connect(url);
    // Without 'error' listeners a lost connection would crash the process; the failed confirms end the session.
    conn.on('error', (err: Error) => logger.warn({ err }, 'amqp connection error'));
    let channel: ConfirmChannel;
    try {
      channel = await conn.createConfirmChannel();
      channel.on('error', (err: Error) => logger.warn({ err }, 'amqp channel error'));
      await channel.assertExchange(EXCHANGE, 'topic', { durable: true });
    } catch (err) {
      await conn.close().catch(() => undefined);
      throw err;
    }
    // once() rejects on 'error': either way the channel is done, and the rejection must not go unhandled.
    const closed = once(channel, 'close').catch(() => undefined);
    // Returns of the batch being published (one batch at a time: the dispatcher awaits each before the next).
    let onReturn: ((msg: Message) => void) | undefined;
    channel.on('return', (msg: Message) => onReturn?.(msg));
    return {
      publishBatch: async (events) => {
        const indexOf = new Map(events.map((event, i) => [event.id, i]));
        let firstIndex = Infinity;
        const byRoutingKey = new Map<string, number>();
        onReturn = (msg) => {
          const i = indexOf.get(String(msg.properties.messageId));
          if (i === undefined) return; // a late return of an earlier, already failed batch
          firstIndex = Math.min(firstIndex, i);
          byRoutingKey.set(msg.fields.routingKey, (byRoutingKey.get(msg.fields.routingKey) ?? 0) + 1);
        };
        try {
          const confirms: Promise<void>[] = [];
          for (const event of events) {
            let ok = true;
            const confirmed = new Promise<void>((resolve, reject) => {
              ok = channel.publish(
                EXCHANGE,
                event.channel,
                eventBody(event),
                {
                  contentType: 'application/json',
                  persistent: true,
                  mandatory: true,
                  messageId: event.id,
                  // AMQP's timestamp property is POSIX time in seconds.
                  timestamp: Math.floor(Date.now() / 1000),
                },
                (err: unknown) => (err ? reject(err instanceof Error ? err : new Error(String(err))) : resolve()),
              );
            });
            // Marked handled now (Promise.all below still sees the rejection): a nack arriving while we wait for
            // 'drain' must not be reported as an unhandled rejection.
            confirmed.catch(() => undefined);
            confirms.push(confirmed);
            // A full socket buffer: wait before writing more (or give up if the channel closes meanwhile).
            if (!ok) await Promise.race([once(channel, 'drain'), closed]);
          }
          // RabbitMQ sends a message's basic.return before its basic.ack, and amqplib handles frames in order: once
          // every confirm is in, so is every return.
          await Promise.all(confirms);
        } finally {
          onReturn = undefined;
        }
        if (byRoutingKey.size > 0) throw new UnroutableError(firstIndex, byRoutingKey);
      },
      close: async () => {
        const closing = (async () => {
          await channel.close().catch(() => undefined);
          await conn.close().catch(() => undefined);
        })();
        // A broker that stopped answering must not hold the dispatcher forever (the heartbeat ends that socket).
        await Promise.race([closing, sleep(CLOSE_TIMEOUT_MS, undefined, { ref: false })]);
      },
    };
  };
}

type UnroutablePolicy = 'retry' | 'drop';

interface DispatcherOptions {
  batchSize?: number;
  /** Re-check the outbox this often even without notification. */
  idlePollMs?: number;
  initialBackoffMs?: number;
  maxBackoffMs?: number;
  /** What to do with events RabbitMQ could route to no queue (see the file header). Default 'retry'. */
  unroutable?: UnroutablePolicy;
}

/** A counter of `registry`, created once (several dispatchers may share a registry in tests). */
function counter(registry: Registry, name: string, help: string): Counter<'routing_key'> {
  const existing = registry.getSingleMetric(name);
  if (existing) return existing as Counter<'routing_key'>;
  return new Counter({ name, help, labelNames: ['routing_key'] as const, registers: [registry] });
}

export class Dispatcher {
  private readonly stopping = new AbortController();
  private running: Promise<void> | undefined;
  private readonly batchSize: number;
  private readonly idlePollMs: number;
  private readonly initialBackoffMs: number;
  private readonly maxBackoffMs: number;
  private readonly unroutable: UnroutablePolicy;
  private readonly unroutableCount: Counter<'routing_key'> | undefined;
  private readonly droppedCount: Counter<'routing_key'> | undefined;
  private backoff: number;

  constructor(
    private readonly outbox: EventOutbox,
    private readonly connectPublisher: PublisherFactory,
    private readonly logger: Logger,
    private readonly metrics?: Metrics,
    options: DispatcherOptions = {},
  ) {
    this.batchSize = options.batchSize ?? 100;
    this.idlePollMs = options.idlePollMs ?? 5_000;
    this.initialBackoffMs = options.initialBackoffMs ?? 200;
    this.maxBackoffMs = options.maxBackoffMs ?? 30_000;
    this.unroutable = options.unroutable ?? 'retry';
    this.backoff = this.initialBackoffMs;
    if (metrics) {
      this.unroutableCount = counter(
        metrics.registry,
        'orc_amqp_unroutable_total',
        'Events RabbitMQ returned as unroutable (no queue bound for their channel), per routing key.',
      );
      this.droppedCount = counter(
        metrics.registry,
        'orc_amqp_dropped_total',
        'Unroutable events skipped (dispatcher option unroutable=drop), per routing key.',
      );
    }
  }

  start(): void {
    this.running ??= this.loop();
  }

  async stop(): Promise<void> {
    this.stopping.abort();
    await this.running;
  }

  private async loop(): Promise<void> {
    const signal = this.stopping.signal;
    while (!signal.aborted) {
      let publisher: Publisher | undefined;
      try {
        publisher = await this.connectPublisher();
        this.logger.info('amqp dispatcher connected');
        await this.pump(publisher, signal);
      } catch (err) {
        if (!signal.aborted)
          this.logger.warn({ err, retry_in_ms: Math.round(this.backoff) }, 'amqp dispatch interrupted');
      } finally {
        await publisher?.close().catch(() => undefined);
      }
      if (signal.aborted) break;
      await this.pause(signal);
    }
  }

  /** Sleeps the current backoff, then doubles it. The backoff only resets once a session proved it works. */
  private async pause(signal: AbortSignal): Promise<void> {
    await sleep(this.backoff, undefined, { signal }).catch(() => undefined);
    this.backoff = Math.min(this.backoff * 2, this.maxBackoffMs);
  }

  /** Publishes batch after batch in cursor order until stopped or until something fails. */
  private async pump(publisher: Publisher, signal: AbortSignal): Promise<void> {
    let cursor = await this.outbox.loadCursor();
    while (!signal.aborted) {
      const batch = await this.outbox.next(cursor, this.batchSize);
      const last = batch[batch.length - 1];
      if (!last) {
        // Everything is out: the session works.
        this.backoff = this.initialBackoffMs;
        await this.outbox.waitForEvents(signal, this.idlePollMs);
        continue;
      }
      // One channel keeps publish order; waiting for all confirms before moving the cursor keeps the guarantee.
      let done = batch.length;
      let queued = done;
      try {
        await publisher.publishBatch(batch.map(({ event }) => event));
      } catch (err) {
        if (!(err instanceof UnroutableError)) throw err;
        done = this.unroutableBatch(err, batch, cursor);
        queued = this.unroutable === 'drop' ? done - err.count : done;
        if (done === 0) {
          // Nothing of this batch was queued: keep the session, retry the same events after the backoff.
          await this.pause(signal);
          continue;
        }
      }
      const upTo = batch[done - 1]!;
      await this.outbox.saveCursor(upTo.cursor);
      cursor = upTo.cursor;
      this.metrics?.eventSent('amqp', queued);
      this.backoff = this.initialBackoffMs;
    }
  }

  /** Reports returned events; returns how many events of the batch count as done (the cursor moves past them). */
  private unroutableBatch(err: UnroutableError, batch: { event: Event; cursor: string }[], cursor: string): number {
    const routingKeys = Object.fromEntries(err.byRoutingKey);
    for (const [key, n] of err.byRoutingKey) this.unroutableCount?.inc({ routing_key: key }, n);
    if (this.unroutable === 'drop') {
      for (const [key, n] of err.byRoutingKey) this.droppedCount?.inc({ routing_key: key }, n);
      this.logger.error(
        { routing_keys: routingKeys, from_cursor: cursor, to_cursor: batch[batch.length - 1]?.cursor },
        `amqp events DROPPED: no queue bound to exchange "${EXCHANGE}" for their channel (unroutable=drop)`,
      );
      return batch.length;
    }
    // Every event before the first returned one was confirmed and queued: keep that progress, so that the retry
    // starts at the first unroutable event and re-sends (duplicates) as little as possible.
    const first = batch[err.firstIndex];
    this.logger.error(
      { routing_keys: routingKeys, event_id: first?.event.id, cursor: first?.cursor, retry_in_ms: this.backoff },
      `amqp events unroutable: no queue bound to exchange "${EXCHANGE}" for their channel; dispatch holds at this ` +
        'event and retries until one is (nothing is lost: the events stay in the outbox)',
    );
    return Math.min(err.firstIndex, batch.length);
  }
}
