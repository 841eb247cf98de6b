// The dispatcher lease of Fabric facade replicas: a RabbitMQ single-active-consumer queue holding a token message.
// RabbitMQ delivers a single-active-consumer queue's messages to one consumer only, and hands the queue to the next
// consumer when that one's channel or connection ends (including the holder being killed -9: the broker sees the
// TCP connection drop, or misses heartbeats). The replica that receives the token, and keeps it unacknowledged,
// is the dispatcher; the broker's own bookkeeping is the election.
import type { ChannelModel } from 'amqplib';
import type { DispatchLease, Lease } from '../backend.js';

/** How long a candidate waits for the token before it counts as standing by. */
const TOKEN_WAIT_MS = 500;
/** Seconds without traffic after which broker and replica drop a connection (AMQP heartbeat). */
const HEARTBEAT_S = 2;

export function rabbitLease(url: string, queue: string): DispatchLease {
  return {
    async tryAcquire(): Promise<Lease | undefined> {
      const { connect } = await import('amqplib');
      const withHeartbeat = new URL(url);
      withHeartbeat.searchParams.set('heartbeat', String(HEARTBEAT_S));
      const conn: ChannelModel = await connect(withHeartbeat.toString());
      const lost = new AbortController();
      const end = (): void => {
        if (!lost.signal.aborted) lost.abort(new Error('dispatcher lease lost'));
      };
      conn.on('error', end);
      conn.on('close', end);
      try {
        const channel = await conn.createChannel();
        channel.on('error', end);
        channel.on('close', end);
        await channel.assertQueue(queue, {
          durable: true,
          // x-max-length bounds the spare tokens every candidate publishes: at most one waits besides the held one.
          arguments: { 'x-single-active-consumer': true, 'x-max-length': 1 },
        });
        channel.sendToQueue(queue, Buffer.from('dispatcher token'), { persistent: true });
        await channel.prefetch(1);
        const token = new Promise<boolean>((resolve) => {
          const timer = setTimeout(() => resolve(false), TOKEN_WAIT_MS);
          void channel.consume(queue, (message) => {
            if (message === null) return end();
            clearTimeout(timer);
            resolve(true);
          });
        });
        if (!(await token) || lost.signal.aborted) {
          await conn.close().catch(() => undefined);
          return undefined;
        }
      } catch (err) {
        await conn.close().catch(() => undefined);
        throw err;
      }
      return {
        lost: lost.signal,
        // Closing without acknowledging puts the token back for the next candidate.
        release: async () => {
          end();
          await conn.close().catch(() => undefined);
        },
      };
    },
  };
}
