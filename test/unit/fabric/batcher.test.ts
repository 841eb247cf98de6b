// Natural batching of the writes of one organization on one channel (facade/fabric/batcher.ts), over a transport
// whose transactions complete when the test says so.
import { describe, expect, it } from 'vitest';
import type { BatchCall } from '../../../lib/api/index.js';
import { OrcError } from '../../../lib/errors/index.js';
import { WriteLane, type BatchingOptions, type LaneTransport } from '../../../facade/fabric/batcher.js';

const call = (name: string, size = 1): BatchCall => ({ function: name, request: new Uint8Array(size) });
const response = (name: string) => new TextEncoder().encode(`ok ${name}`);
const text = (bytes: Uint8Array) => new TextDecoder().decode(bytes);

/** Records every transaction sent; each stays in flight until finish() answers it. */
class ManualTransport implements LaneTransport {
  readonly sent: string[][] = [];
  private readonly open: (() => void)[] = [];
  private readonly endorsements: (() => void)[] = [];
  failNext: Error | undefined;
  refuse = new Set<string>();

  one(c: BatchCall, endorsed: () => void): Promise<Uint8Array> {
    return this.many([c], endorsed).then(([result]) => {
      if (result instanceof Uint8Array) return result;
      throw result;
    });
  }

  many(calls: BatchCall[], endorsed: () => void): Promise<(Uint8Array | OrcError)[]> {
    this.sent.push(calls.map((c) => c.function));
    this.endorsements.push(endorsed);
    const failure = this.failNext;
    this.failNext = undefined;
    return new Promise((resolve, reject) => {
      this.open.push(() => {
        if (failure) reject(failure);
        else
          resolve(
            calls.map((c) =>
              this.refuse.has(c.function) ? new OrcError('Conflict', `${c.function} exists`) : response(c.function),
            ),
          );
      });
    });
  }

  get inFlight(): number {
    return this.open.length;
  }

  /** Ends the endorsement of the oldest transaction still being endorsed; it stays in flight. */
  async endorse(): Promise<void> {
    this.endorsements.shift()?.();
    await new Promise((resolve) => setImmediate(resolve));
  }

  /** Completes the oldest transaction in flight. */
  async finish(): Promise<void> {
    this.open.shift()?.();
    await new Promise((resolve) => setImmediate(resolve));
  }
}

function lane(options: Partial<BatchingOptions> = {}) {
  const transport = new ManualTransport();
  return { transport, lane: new WriteLane({ maxEndorsing: 2, maxCalls: 10, maxBytes: 100, ...options }, transport) };
}

const settle = (p: Promise<Uint8Array>) =>
  p.then(
    (bytes) => text(bytes),
    (err: unknown) => (err instanceof OrcError ? `${err.kind}: ${err.message.replace(/^OE\d{4}: /, '')}` : String(err)),
  );

describe('write lane', () => {
  it('sends writes alone while few are being endorsed, then lets the queue out as one batch per free slot', async () => {
    const { transport, lane: l } = lane();
    const results = ['a', 'b', 'c', 'd', 'e'].map((name) => settle(l.write(call(name))));
    expect(transport.sent).toEqual([['a'], ['b']]);
    expect(l.waiting).toBe(3);
    await transport.finish();
    expect(transport.sent).toEqual([['a'], ['b'], ['c', 'd', 'e']]);
    await transport.finish();
    await transport.finish();
    expect(await Promise.all(results)).toEqual(['ok a', 'ok b', 'ok c', 'ok d', 'ok e']);
    expect(transport.inFlight).toBe(0);
  });

  it('frees a slot as soon as an endorsement completes, without waiting for ordering and commit', async () => {
    const { transport, lane: l } = lane({ maxEndorsing: 1 });
    const results = ['a', 'b', 'c', 'd'].map((name) => settle(l.write(call(name))));
    expect(transport.sent).toEqual([['a']]);
    await transport.endorse();
    expect(transport.sent).toEqual([['a'], ['b', 'c', 'd']]);
    expect(transport.inFlight).toBe(2);
    const late = settle(l.write(call('e')));
    expect(transport.sent).toHaveLength(2);
    await transport.endorse();
    expect(transport.sent).toEqual([['a'], ['b', 'c', 'd'], ['e']]);
    for (let i = 0; i < 3; i++) await transport.finish();
    expect(await Promise.all([...results, late])).toEqual(['ok a', 'ok b', 'ok c', 'ok d', 'ok e']);
  });

  it('fails only the call the ledger refused', async () => {
    const { transport, lane: l } = lane({ maxEndorsing: 1 });
    transport.refuse.add('dup');
    const results = ['first', 'x', 'dup', 'y'].map((name) => settle(l.write(call(name))));
    await transport.finish();
    await transport.finish();
    expect(transport.sent).toEqual([['first'], ['x', 'dup', 'y']]);
    expect(await Promise.all(results)).toEqual(['ok first', 'ok x', 'Conflict: dup exists', 'ok y']);
  });

  it('keeps batches within maxCalls and maxBytes; a call larger than maxBytes still goes, alone', async () => {
    const { transport, lane: l } = lane({ maxEndorsing: 1, maxCalls: 3, maxBytes: 10 });
    const results = [
      l.write(call('first')),
      ...['a', 'b', 'c', 'd'].map((name) => l.write(call(name, 2))),
      l.write(call('big', 50)),
      l.write(call('e', 6)),
      l.write(call('f', 6)),
    ];
    for (let i = 0; i < 6; i++) await transport.finish();
    await Promise.all(results);
    expect(transport.sent).toEqual([['first'], ['a', 'b', 'c'], ['d'], ['big'], ['e'], ['f']]);
  });

  it('fails every call of a batch whose transaction failed, and carries on with the next ones', async () => {
    const { transport, lane: l } = lane({ maxEndorsing: 1 });
    const first = settle(l.write(call('first')));
    const batch = ['a', 'b'].map((name) => settle(l.write(call(name))));
    await transport.finish();
    transport.failNext = new OrcError('Unavailable', 'peer down');
    // The failure applies to the next transaction sent: the batch [a, b] was sent when `first` finished.
    expect(transport.sent).toEqual([['first'], ['a', 'b']]);
    const later = settle(l.write(call('later')));
    await transport.finish();
    await transport.finish();
    expect(await first).toBe('ok first');
    expect(await Promise.all(batch)).toEqual(['ok a', 'ok b']);
    expect(await later).toBe('Unavailable: peer down');
    const again = settle(l.write(call('again')));
    await transport.finish();
    expect(await again).toBe('ok again');
  });

  it('drops a call whose caller gave up while it waited: never sent, answered ABORTED', async () => {
    const { transport, lane: l } = lane({ maxEndorsing: 1 });
    const first = settle(l.write(call('first')));
    const cancel = new AbortController();
    const gone = settle(l.write(call('gone'), cancel.signal));
    const kept = settle(l.write(call('kept')));
    cancel.abort();
    await transport.finish();
    await transport.finish();
    expect(transport.sent).toEqual([['first'], ['kept']]);
    expect([await first, await gone, await kept]).toEqual([
      'ok first',
      'Aborted: the call was cancelled before it was sent to the ledger',
      'ok kept',
    ]);
  });
});
