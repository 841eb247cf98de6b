import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { compareKeys, createCompositeKey, type KVEntry } from '../../../lib/ledger/kv.js';
import { MemoryKV } from '../../../lib/ledger/memorykv.js';
import { SortedMap } from '../../../lib/ledger/sortedmap.js';

const bytes = (s: string) => new TextEncoder().encode(s);
const text = (b: Uint8Array | undefined) => (b ? new TextDecoder().decode(b) : undefined);

async function keysOf(source: AsyncIterable<KVEntry>): Promise<string[]> {
  const out: string[] = [];
  for await (const e of source) out.push(e.key);
  return out;
}

describe('SortedMap', () => {
  it('behaves like a map kept in key order under random puts, deletes and range reads', () => {
    const key = fc.oneof(fc.string({ maxLength: 4 }), fc.constantFrom('\uFFFD', '\u{1F600}', 'a\u{10FFFF}', ''));
    const op = fc.oneof(
      fc.record({ kind: fc.constant('set' as const), key, value: fc.nat() }),
      fc.record({ kind: fc.constant('delete' as const), key }),
    );
    fc.assert(
      fc.property(fc.array(op, { maxLength: 3000 }), key, key, (ops, from, to) => {
        const map = new SortedMap<number>();
        const model = new Map<string, number>();
        for (const o of ops) {
          if (o.kind === 'set') {
            map.set(o.key, o.value);
            model.set(o.key, o.value);
          } else {
            expect(map.delete(o.key)).toBe(model.delete(o.key));
          }
        }
        const sorted = [...model].sort(([a], [b]) => compareKeys(a, b));
        expect([...map.entries()]).toEqual(sorted);
        expect(map.size).toBe(model.size);
        const inRange = sorted.filter(([k]) => compareKeys(k, from) >= 0 && (to === '' || compareKeys(k, to) < 0));
        expect([...map.range(from, to)]).toEqual(inRange);
      }),
      { numRuns: 200 },
    );
  });

  it('keeps iterating correctly while the map changes', () => {
    const map = new SortedMap<number>();
    for (let i = 0; i < 2000; i++) map.set(`k${String(i).padStart(5, '0')}`, i);
    const seen: string[] = [];
    for (const [k, v] of map.range('', '')) {
      seen.push(k);
      if (v % 2 === 0) map.delete(`k${String(v + 1).padStart(5, '0')}`); // delete the next key
      if (v === 10) map.set('k99999', 99999); // add a key further on
    }
    expect(seen).toHaveLength(1001);
    expect(seen.at(-1)).toBe('k99999');
  });
});

describe('MemoryKV', () => {
  it('reads, writes, deletes; refuses empty values; copies what it stores', async () => {
    const kv = new MemoryKV();
    const value = bytes('v');
    await kv.putState('a', value);
    value[0] = 0;
    expect(text(await kv.getState('a'))).toBe('v');
    await kv.deleteState('a');
    expect(await kv.getState('a')).toBeUndefined();
    await expect(kv.putState('a', new Uint8Array(0))).rejects.toThrow(/empty/);
  });

  it('simple ranges: [start, end), "" unbounded, composite keys refused and excluded', async () => {
    const kv = new MemoryKV();
    for (const k of ['a', 'b', 'c', createCompositeKey('x', ['y'])]) await kv.putState(k, bytes(k));
    expect(await keysOf(kv.getStateByRange('a', 'c'))).toEqual(['a', 'b']);
    expect(await keysOf(kv.getStateByRange('', ''))).toEqual(['a', 'b', 'c']);
    await expect(keysOf(kv.getStateByRange('\u0000x', ''))).rejects.toThrow(/null character/);
  });

  it('partial composite ranges, optionally starting inside the prefix', async () => {
    const kv = new MemoryKV();
    const keys = [
      ['p', '1'],
      ['p', '2'],
      ['p', '3'],
      ['q', '1'],
    ].map((a) => createCompositeKey('t', a));
    for (const k of keys.reverse()) await kv.putState(k, bytes(k));
    await kv.putState(createCompositeKey('t', ['p']), bytes('the prefix itself'));
    const all = await keysOf(kv.getStateByPartialCompositeKey('t', ['p']));
    expect(all).toEqual([
      createCompositeKey('t', ['p']),
      ...[1, 2, 3].map((n) => createCompositeKey('t', ['p', String(n)])),
    ]);
    const from2 = await keysOf(kv.getStateByPartialCompositeKey('t', ['p'], createCompositeKey('t', ['p', '2'])));
    expect(from2).toEqual([2, 3].map((n) => createCompositeKey('t', ['p', String(n)])));
  });

  it('a transaction does not see its own writes, and applies them all on commit', async () => {
    const kv = new MemoryKV();
    await kv.putState('a', bytes('1'));
    const tx = kv.transaction();
    await tx.putState('b', bytes('2'));
    await tx.deleteState('a');
    expect(text(await tx.getState('a'))).toBe('1');
    expect(await tx.getState('b')).toBeUndefined();
    expect(tx.writes().map((w) => [w.key, text(w.value)])).toEqual([
      ['b', '2'],
      ['a', undefined],
    ]);
    tx.commit();
    expect(kv.entries().map((e) => [e.key, text(e.value)])).toEqual([['b', '2']]);
    expect(() => tx.commit()).toThrow(/already committed/);
  });

  it('a rolled back transaction leaves the store untouched', async () => {
    const kv = new MemoryKV();
    await kv.putState('a', bytes('1'));
    const before = kv.snapshot();
    const tx = kv.transaction();
    await tx.putState('a', bytes('2'));
    await tx.putState('z', bytes('3'));
    tx.rollback();
    expect(kv.entries()).toEqual(before.entries());
    await expect(tx.putState('q', bytes('4'))).rejects.toThrow(/rolled back/);
  });
});
