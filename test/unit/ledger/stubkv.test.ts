import { describe, expect, it } from 'vitest';
import { createCompositeKey, type KVEntry } from '../../../lib/ledger/kv.js';
import { MemoryKV } from '../../../lib/ledger/memorykv.js';
import { StubKV } from '../../../lib/ledger/stubkv.js';
import { FakeStub } from './fakestub.js';

const bytes = (s: string) => new TextEncoder().encode(s);

async function take(source: AsyncIterable<KVEntry>, n = Infinity): Promise<string[]> {
  const out: string[] = [];
  for await (const e of source) {
    out.push(e.key);
    if (out.length >= n) break;
  }
  return out;
}

async function world(n: number): Promise<{ committed: MemoryKV; keys: string[] }> {
  const committed = new MemoryKV();
  const keys = Array.from({ length: n }, (_, i) => createCompositeKey('ix', ['p', String(i).padStart(5, '0')]));
  for (const k of keys) await committed.putState(k, bytes('x'));
  return { committed, keys };
}

describe('StubKV', () => {
  it('maps point operations onto the stub; an empty buffer means absent', async () => {
    const stub = new FakeStub(new MemoryKV());
    const kv = new StubKV(stub);
    expect(await kv.getState('k')).toBeUndefined();
    await kv.putState('k', bytes('v'));
    await kv.deleteState('k');
    await expect(kv.putState('k', new Uint8Array(0))).rejects.toThrow(/empty/);
    expect(stub.calls).toEqual(['getState', 'putState', 'deleteState']);
  });

  it('scans a whole prefix with getStateByPartialCompositeKey (allowed in writing transactions)', async () => {
    const { committed, keys } = await world(5);
    const stub = new FakeStub(committed);
    expect(await take(new StubKV(stub).getStateByPartialCompositeKey('ix', ['p']))).toEqual(keys);
    expect(stub.calls).toEqual(['getStateByPartialCompositeKey']);
    expect(stub.openIterators).toBe(0);
  });

  it('seeks with paginated calls, following bookmarks across pages', async () => {
    const { committed, keys } = await world(2500);
    const stub = new FakeStub(committed);
    const got = await take(new StubKV(stub).getStateByPartialCompositeKey('ix', ['p'], keys[10]));
    expect(got).toEqual(keys.slice(10));
    // Pages of 100, 200, 400, 800, 1600 entries: 2,490 entries need 5 calls.
    expect(stub.calls).toEqual(Array(5).fill('getStateByPartialCompositeKeyWithPagination'));
    expect(stub.openIterators).toBe(0);
  });

  it('closes the stub iterator when the reader stops early', async () => {
    const { committed } = await world(20);
    const stub = new FakeStub(committed);
    const kv = new StubKV(stub);
    expect(await take(kv.getStateByPartialCompositeKey('ix', ['p']), 3)).toHaveLength(3);
    expect(stub.openIterators).toBe(0);
  });

  it('maps simple ranges onto getStateByRange', async () => {
    const committed = new MemoryKV();
    for (const k of ['a', 'b', 'c']) await committed.putState(k, bytes(k));
    const stub = new FakeStub(committed);
    expect(await take(new StubKV(stub).getStateByRange('b', ''))).toEqual(['b', 'c']);
    expect(stub.calls).toEqual(['getStateByRange']);
  });
});
