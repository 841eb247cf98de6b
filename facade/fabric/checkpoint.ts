// Where the Fabric outbox keeps its dispatch checkpoint (the serialised per-channel ledger positions). One facade:
// a file in its data folder. Replicas of one organization's facade: a RabbitMQ queue that holds only its latest
// message, which every replica reaches, so whichever replica leads next resumes where the last one stopped.
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import type { ChannelModel } from 'amqplib';

export interface Checkpoint {
  /** The saved cursor; undefined when none was ever saved. */
  load(): Promise<string | undefined>;
  save(cursor: string): Promise<void>;
  close(): Promise<void>;
}

export function fileCheckpoint(file: string): Checkpoint {
  return {
    load: async () => {
      try {
        return await readFile(file, 'utf8');
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
        throw err;
      }
    },
    save: async (cursor) => {
      await mkdir(dirname(file), { recursive: true });
      await writeFile(`${file}.tmp`, cursor);
      await rename(`${file}.tmp`, file);
    },
    close: () => Promise.resolve(),
  };
}

/**
 * The checkpoint as the one message of a durable queue limited to one message (`x-max-length` 1 drops the older
 * one): save publishes persistently and waits for the broker's confirm; load reads the message and puts it back.
 * Only the dispatcher saves, and only one replica dispatches at a time (lease.ts), so the last message is the
 * checkpoint.
 */
export function rabbitCheckpoint(url: string, queue: string): Checkpoint {
  let connection: Promise<ChannelModel> | undefined;
  const connect = (): Promise<ChannelModel> =>
    (connection ??= (async () => {
      const { connect: open } = await import('amqplib');
      const conn = await open(url);
      conn.on('error', () => undefined);
      conn.on('close', () => (connection = undefined));
      return conn;
    })().catch((err: unknown) => {
      connection = undefined;
      throw err;
    }));
  const declare = { durable: true, arguments: { 'x-max-length': 1 } };
  return {
    load: async () => {
      const channel = await (await connect()).createChannel();
      try {
        await channel.assertQueue(queue, declare);
        const message = await channel.get(queue, { noAck: false });
        if (message === false) return undefined;
        channel.nack(message, false, true);
        return message.content.toString('utf8');
      } finally {
        await channel.close().catch(() => undefined);
      }
    },
    save: async (cursor) => {
      const channel = await (await connect()).createConfirmChannel();
      try {
        await channel.assertQueue(queue, declare);
        channel.sendToQueue(queue, Buffer.from(cursor), { persistent: true });
        await channel.waitForConfirms();
      } finally {
        await channel.close().catch(() => undefined);
      }
    },
    close: async () => {
      const open = connection;
      connection = undefined;
      await (await open?.catch(() => undefined))?.close().catch(() => undefined);
    },
  };
}
