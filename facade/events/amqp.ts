// RabbitMQ dispatch (reference §4.6 conventions): every committed event is published to the durable topic exchange
// `orchestrator`, routing key = channel, body = the Event as protojson (proto field names, defaults emitted),
// content type application/json, persistent, message id = event id, with publisher confirms.
//
// Delivery guarantee: the outbox (the events table) is the source of truth, with a durable cursor advanced only
// after RabbitMQ confirmed a whole batch. A broker outage therefore delays events but never loses or reorders them:
// the dispatcher reconnects with exponential backoff and resumes after the cursor. A crash between confirm and
// cursor update re-publishes the tail of a batch, so delivery is AT LEAST ONCE: consumers de-duplicate on the AMQP
// `message-id` (= event id). Publishes go through one channel in position order, so the first copy of each event
// arrives in order. RabbitMQ drops messages routed to no queue: consumers' queues must be bound beforehand.
import { once } from 'node:events';
import { setTimeout as sleep } from 'node:timers/promises';
import { toJsonString } from '@bufbuild/protobuf';
import { connect, type ChannelModel, type ConfirmChannel } from 'amqplib';
import { EventSchema, type Event } from '../../lib/asset/index.js';
import type { EventOutbox } from '../backend.js';
import type { Logger } from '../logger.js';
import type { Metrics } from '../metrics.js';

export const EXCHANGE = 'orchestrator';

/** The AMQP body of an event: protojson as Go's protojson with UseProtoNames + EmitUnpopulated. */
export function eventBody(event: Event): Buffer {
  return Buffer.from(toJsonString(EventSchema, event, { useProtoFieldName: true, alwaysEmitImplicit: true }));
}

/** One broker session. */
export interface Publisher {
  /** Publishes in order; resolves once the broker confirmed every message, rejects if any was not. */
  publishBatch(events: readonly Event[]): Promise<void>;
  close(): Promise<void>;
}

export type PublisherFactory = () => Promise<Publisher>;

export function amqpPublisher(url: string, logger: Logger): PublisherFactory {
  return async () => {
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
    return {
      publishBatch: async (events) => {
        const confirms: Promise<void>[] = [];
        for (const event of events) {
          let ok = true;
          const confirmed = new Promise<void>((resolve, reject) => {
            ok = channel.publish(
              EXCHANGE,
              event.channel,
              eventBody(event),
              { contentType: 'application/json', persistent: true, messageId: event.id, timestamp: Date.now() },
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
        await Promise.all(confirms);
      },
      close: async () => {
        await channel.close().catch(() => undefined);
        await conn.close().catch(() => undefined);
      },
    };
  };
}

export interface DispatcherOptions {
  batchSize?: number;
  /** Re-check the outbox this often even without notification. */
  idlePollMs?: number;
  initialBackoffMs?: number;
  maxBackoffMs?: number;
}

export class Dispatcher {
  private readonly stopping = new AbortController();
  private running: Promise<void> | undefined;
  private readonly batchSize: number;
  private readonly idlePollMs: number;
  private readonly initialBackoffMs: number;
  private readonly maxBackoffMs: number;

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
    let backoff = this.initialBackoffMs;
    while (!signal.aborted) {
      let publisher: Publisher | undefined;
      try {
        publisher = await this.connectPublisher();
        this.logger.info('amqp dispatcher connected');
        backoff = this.initialBackoffMs;
        await this.pump(publisher, signal);
      } catch (err) {
        if (!signal.aborted) this.logger.warn({ err, retry_in_ms: Math.round(backoff) }, 'amqp dispatch interrupted');
      } finally {
        await publisher?.close().catch(() => undefined);
      }
      if (signal.aborted) break;
      await sleep(backoff, undefined, { signal }).catch(() => undefined);
      backoff = Math.min(backoff * 2, this.maxBackoffMs);
    }
  }

  /** Publishes batch after batch in cursor order until stopped or until something fails. */
  private async pump(publisher: Publisher, signal: AbortSignal): Promise<void> {
    let cursor = await this.outbox.loadCursor();
    while (!signal.aborted) {
      const batch = await this.outbox.next(cursor, this.batchSize);
      const last = batch[batch.length - 1];
      if (!last) {
        await this.outbox.waitForEvents(signal, this.idlePollMs);
        continue;
      }
      // One channel keeps publish order; waiting for all confirms before moving the cursor keeps the guarantee.
      await publisher.publishBatch(batch.map(({ event }) => event));
      await this.outbox.saveCursor(last.cursor);
      cursor = last.cursor;
      this.metrics?.eventSent('amqp', batch.length);
    }
  }
}
