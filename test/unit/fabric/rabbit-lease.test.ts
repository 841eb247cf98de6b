// The Fabric facade replicas' shared state in a real RabbitMQ: the checkpoint queue returns the last saved cursor to
// any replica, and the single-active-consumer lease has one holder at a time and passes on when it ends.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rabbitCheckpoint } from '../../../facade/fabric/checkpoint.js';
import { rabbitLease } from '../../../facade/fabric/lease.js';
import { startRabbitMQ, type TestRabbitMQ } from '../../support/rabbitmq.js';

describe('RabbitMQ lease and checkpoint', () => {
  let rabbit: TestRabbitMQ;
  beforeAll(async () => {
    rabbit = await startRabbitMQ();
  }, 120_000);
  afterAll(async () => {
    await rabbit?.destroy();
  });

  it('the checkpoint reads back the last cursor saved, from another connection', async () => {
    const writer = rabbitCheckpoint(rabbit.url, 'test.checkpoint');
    const reader = rabbitCheckpoint(rabbit.url, 'test.checkpoint');
    expect(await reader.load()).toBeUndefined();
    for (const cursor of ['{"a":1}', '{"a":2}', '{"a":3}']) await writer.save(cursor);
    expect(await reader.load()).toBe('{"a":3}');
    expect(await reader.load()).toBe('{"a":3}');
    await writer.close();
    await reader.close();
  });

  it('has one holder at a time, and the next candidate gets it once the holder is gone', async () => {
    const election = rabbitLease(rabbit.url, 'test.lease');
    const first = await election.tryAcquire();
    expect(first).toBeDefined();
    for (let i = 0; i < 3; i++) expect(await election.tryAcquire()).toBeUndefined();
    await first!.release();
    expect(first!.lost.aborted).toBe(true);
    const second = await election.tryAcquire();
    expect(second).toBeDefined();
    expect(await election.tryAcquire()).toBeUndefined();
    await second!.release();
  }, 60_000);
});
