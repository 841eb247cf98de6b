// Deferred writes and savepoints of the transaction store, which the batch transaction relies on: a call that fails
// is undone to its savepoint, and only what survives reaches the KV, once, at flush time.
import { describe, expect, it } from 'vitest';
import { MemoryKV, MemoryKVTransaction } from '../../../lib/ledger/memorykv.js';
import { TxStore } from '../../../lib/ledger/store.js';

const bytes = (text: string) => new TextEncoder().encode(text);
const text = (value: Uint8Array | undefined) => (value ? new TextDecoder().decode(value) : undefined);

async function scanKeys(store: TxStore): Promise<string[]> {
  const keys: string[] = [];
  for await (const entry of store.scan('idx', [])) keys.push(`${entry.key.split('\u0000')[2]}=${text(entry.value)}`);
  return keys;
}

describe('TxStore with deferred writes', () => {
  async function setup() {
    const world = new MemoryKV();
    await world.putState('committed', bytes('c0'));
    await world.putState('\u0000idx\u0000b\u0000', bytes('b0'));
    const tx = new MemoryKVTransaction(world);
    return { tx, store: new TxStore(tx, { deferWrites: true }) };
  }

  it('keeps writes from the KV until flush, while reads and scans see them', async () => {
    const { tx, store } = await setup();
    await store.put('a', bytes('a1'));
    await store.put('\u0000idx\u0000a\u0000', bytes('a1'));
    await store.del('committed');
    expect(tx.writes()).toEqual([]);
    expect(text(await store.get('a'))).toBe('a1');
    expect(await store.get('committed')).toBeUndefined();
    expect(await scanKeys(store)).toEqual(['a=a1', 'b=b0']);
    await store.flush();
    expect(tx.writes().map((w) => [w.key, text(w.value)])).toEqual([
      ['\u0000idx\u0000a\u0000', 'a1'],
      ['a', 'a1'],
      ['committed', undefined],
    ]);
  });

  it('rolls back to a savepoint: overwritten keys get their earlier value, new keys vanish, deletions are undone', async () => {
    const { tx, store } = await setup();
    await store.put('a', bytes('a1'));
    const mark = store.savepoint();
    await store.put('a', bytes('a2'));
    await store.put('a', bytes('a3'));
    await store.put('new', bytes('n1'));
    await store.put('\u0000idx\u0000c\u0000', bytes('c1'));
    await store.del('committed');
    await store.del('\u0000idx\u0000b\u0000');
    expect(await scanKeys(store)).toEqual(['c=c1']);
    store.rollback(mark);
    expect(text(await store.get('a'))).toBe('a1');
    expect(await store.get('new')).toBeUndefined();
    expect(text(await store.get('committed'))).toBe('c0');
    expect(store.wrote('new')).toBe(false);
    expect(await scanKeys(store)).toEqual(['b=b0']);
    await store.put('after', bytes('x'));
    await store.flush();
    expect(tx.writes().map((w) => [w.key, text(w.value)])).toEqual([
      ['a', 'a1'],
      ['after', 'x'],
    ]);
  });

  it('refuses an empty value when written, not later at flush time', async () => {
    const { store } = await setup();
    await expect(store.put('a', new Uint8Array())).rejects.toThrow(/empty/);
  });

  it('needs a KV that does not show its own writes, and savepoints need deferred writes', () => {
    expect(() => new TxStore(new MemoryKV(), { deferWrites: true })).toThrow(/deferred/);
    expect(() => new TxStore(new MemoryKVTransaction(new MemoryKV())).savepoint()).toThrow(/deferred/);
  });
});
