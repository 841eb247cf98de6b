// The reconnecting reader behind SubscribeToEvents and the AMQP outbox in distributed mode, against a fake channel
// whose peer can go away: every event is seen once, in ledger order, across interruptions.
import { describe, expect, it } from 'vitest';
import { OrcError } from '../../../lib/errors/index.js';
import { followLedgerEvents } from '../../../facade/fabric/follow.js';
import { FakeLedger } from './fakenetwork.js';

const TX = (n: number) => n.toString(16).padStart(64, '0');
const fast = { first: 1, max: 4 };

function follower(ledger: FakeLedger, signal: AbortSignal, interruptions: string[] = []) {
  return followLedgerEvents(undefined, {
    chaincode: 'orchestrator',
    network: () => Promise.resolve(ledger.network()),
    signal,
    interrupted: (err) => interruptions.push(err.kind),
    backoffMs: fast,
  })[Symbol.asyncIterator]();
}

async function take(it: AsyncIterator<{ event: { id: string } }>, n: number): Promise<string[]> {
  const ids: string[] = [];
  while (ids.length < n) {
    const next = await it.next();
    if (next.done) break;
    ids.push(next.value.event.id);
  }
  return ids;
}

describe('followLedgerEvents', () => {
  it('resumes after the last event it yielded when the peer goes away, and while it stays away', async () => {
    const ledger = new FakeLedger('ch');
    const stop = new AbortController();
    const interruptions: string[] = [];
    const it = follower(ledger, stop.signal, interruptions);
    const expected = [...ledger.commit(TX(1), 2), ...ledger.commit(TX(2), 1)].map((e) => e.id);
    const seen = await take(it, 3);

    const pending = take(it, 3); // waiting on the live stream when it breaks
    await new Promise((r) => setTimeout(r, 5));
    ledger.refuseConnects.push(new OrcError('Unavailable', 'connection refused'));
    ledger.breakStreams(new OrcError('Unavailable', 'peer stopped'));
    expected.push(...[...ledger.commit(TX(3), 2), ...ledger.commit(TX(4), 1)].map((e) => e.id));
    seen.push(...(await pending));

    expect(seen).toEqual(expected);
    expect(interruptions).toEqual(['Unavailable', 'Unavailable']);
    expect(ledger.connects).toBe(2);
    stop.abort();
    expect((await it.next()).done).toBe(true);
  });

  it('gives up at once on an error a new attempt cannot fix', async () => {
    const ledger = new FakeLedger('ch');
    ledger.refuseConnects.push(new OrcError('PermissionDenied', 'identity refused'));
    const it = follower(ledger, new AbortController().signal);
    await expect(it.next()).rejects.toMatchObject({ kind: 'PermissionDenied' });
  });

  it('stops waiting when aborted, even between attempts', async () => {
    const ledger = new FakeLedger('ch');
    for (let i = 0; i < 1000; i++) ledger.refuseConnects.push(new OrcError('Unavailable', 'down'));
    const stop = new AbortController();
    const it = follower(ledger, stop.signal);
    const next = it.next();
    setTimeout(() => stop.abort(), 20);
    expect((await next).done).toBe(true);
  });
});
