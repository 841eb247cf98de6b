import { describe, expect, it } from 'vitest';
import { EventHub } from '../../../facade/events/hub.js';
import { SharedReads } from '../../../facade/events/sharedreads.js';
import type { PositionedEvent, PositionedEventStore } from '../../../facade/events/subscriber.js';

/** A log of numbered entries whose reads stay pending until released, counting the reads that reach it. */
class SlowLog implements PositionedEventStore<string> {
  entries: string[] = [];
  reads = 0;
  private release: (() => void)[] = [];

  async positionOf(): Promise<bigint | undefined> {
    return undefined;
  }

  async readAfter(_channel: string, after: bigint, limit: number): Promise<PositionedEvent<string>[]> {
    this.reads++;
    // What is committed when the read starts is what it returns.
    const seen = this.entries.slice(Number(after), Number(after) + limit);
    await new Promise<void>((resolve) => this.release.push(resolve));
    return seen.map((event, i) => ({ event, position: after + BigInt(i) + 1n }));
  }

  finishReads(): void {
    for (const release of this.release.splice(0)) release();
  }
}

describe('SharedReads', () => {
  it('serves concurrent identical reads with one store read', async () => {
    const hub = new EventHub();
    const log = new SlowLog();
    log.entries = ['a', 'b'];
    const shared = new SharedReads(log, hub);
    const reads = Array.from({ length: 300 }, () => shared.readAfter('ch', 0n, 100));
    log.finishReads();
    const results = await Promise.all(reads);
    expect(log.reads).toBe(1);
    for (const result of results) expect(result.map((e) => e.event)).toEqual(['a', 'b']);
  });

  it('does not hand a read started before a notification to a caller woken by it', async () => {
    const hub = new EventHub();
    const log = new SlowLog();
    log.entries = ['a'];
    const shared = new SharedReads(log, hub);
    const early = shared.readAfter('ch', 0n, 100);
    // A commit lands while the first read is in flight, and is notified.
    log.entries.push('b');
    hub.dispatch({ channel: 'ch', position: 2n });
    const late = shared.readAfter('ch', 0n, 100);
    log.finishReads();
    expect((await early).map((e) => e.event)).toEqual(['a']);
    expect((await late).map((e) => e.event)).toEqual(['a', 'b']);
    expect(log.reads).toBe(2);
  });

  it('reads again once the shared read is over', async () => {
    const hub = new EventHub();
    const log = new SlowLog();
    log.entries = ['a'];
    const shared = new SharedReads(log, hub);
    const first = shared.readAfter('ch', 0n, 100);
    log.finishReads();
    await first;
    const second = shared.readAfter('ch', 0n, 100);
    log.finishReads();
    await second;
    expect(log.reads).toBe(2);
  });
});
