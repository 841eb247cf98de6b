// LevelKV must answer every read exactly as MemoryKV (the reference for Fabric's semantics) does, on keys chosen to
// break a wrong order: U+0000 separators, U+FFFD against astral code points, the prefix itself, neighbouring channels.
import { ClassicLevel } from 'classic-level';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LevelKV, LevelReader, type LevelDB } from '../../../lib/embedded/index.js';
import { createCompositeKey, MemoryKV, type KV, type KVEntry } from '../../../lib/ledger/index.js';
import { commit, tempDir } from './leveldb.js';

const bytes = (s: string) => new TextEncoder().encode(s);
const text = (b: Uint8Array | undefined) => (b ? new TextDecoder().decode(b) : undefined);

async function list(source: AsyncIterable<KVEntry>): Promise<[string, string][]> {
  const out: [string, string][] = [];
  for await (const e of source) out.push([e.key, new TextDecoder().decode(e.value)]);
  return out;
}

const folder = tempDir();
let db: LevelDB;
beforeAll(async () => {
  db = new ClassicLevel<string, Uint8Array>(folder.dir, { keyEncoding: 'utf8', valueEncoding: 'view' });
  await db.open();
});
afterAll(async () => {
  await db.close();
  folder.remove();
});

const unit = fc.constantFrom('a', 'b', 'z', '\uFFFD', '\u{1F600}', '\u{10FFFF}', 'é', '~', '0');
const attr = fc.array(unit, { minLength: 1, maxLength: 3 }).map((units) => units.join(''));
const simpleKey = fc.array(unit, { minLength: 1, maxLength: 4 }).map((units) => units.join(''));
const compositeKey = fc
  .tuple(fc.constantFrom('t', 'u'), fc.array(attr, { maxLength: 3 }))
  .map(([type, attrs]) => createCompositeKey(type, attrs));

let run = 0;

describe('LevelKV', () => {
  it('reads back what was committed, point, simple-range and partial-composite, in MemoryKV order', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.uniqueArray(fc.oneof(simpleKey, compositeKey), { maxLength: 40 }),
        fc.array(attr, { maxLength: 2 }),
        simpleKey,
        simpleKey,
        async (keys, prefixAttrs, from, to) => {
          const channel = `c${++run}`;
          const level = new LevelKV(new LevelReader(db), channel);
          const memory = new MemoryKV();
          for (const key of keys) {
            await level.putState(key, bytes(key));
            await memory.putState(key, bytes(key));
          }
          await commit(db, level);
          // A neighbouring channel whose name extends this one must stay invisible.
          const neighbour = new LevelKV(new LevelReader(db), `${channel}.n`);
          for (const key of keys) await neighbour.putState(key, bytes('other'));
          await commit(db, neighbour);

          const read: KV = new LevelKV(new LevelReader(db), channel);
          for (const key of keys) expect(text(await read.getState(key))).toBe(key);
          expect(await list(read.getStateByRange('', ''))).toEqual(await list(memory.getStateByRange('', '')));
          expect(await list(read.getStateByRange(from, to))).toEqual(await list(memory.getStateByRange(from, to)));
          for (const type of ['t', 'u']) {
            expect(await list(read.getStateByPartialCompositeKey(type, prefixAttrs))).toEqual(
              await list(memory.getStateByPartialCompositeKey(type, prefixAttrs)),
            );
            for (const start of keys.filter((k) => k.startsWith(createCompositeKey(type, prefixAttrs)))) {
              expect(await list(read.getStateByPartialCompositeKey(type, prefixAttrs, start))).toEqual(
                await list(memory.getStateByPartialCompositeKey(type, prefixAttrs, start)),
              );
            }
          }
        },
      ),
      { numRuns: 150 },
    );
  });

  it('does not show its own writes, deletes on commit, refuses empty values and composite simple ranges', async () => {
    const kv = new LevelKV(new LevelReader(db), 'own');
    await kv.putState('a', bytes('1'));
    expect(await kv.getState('a')).toBeUndefined();
    await commit(db, kv);
    const next = new LevelKV(new LevelReader(db), 'own');
    expect(text(await next.getState('a'))).toBe('1');
    await next.deleteState('a');
    await commit(db, next);
    expect(await new LevelKV(new LevelReader(db), 'own').getState('a')).toBeUndefined();
    await expect(kv.putState('b', new Uint8Array(0))).rejects.toThrow(/empty/);
    expect(() => kv.getStateByRange('\u0000x', '')).toThrow(/null character/);
    expect(() => new LevelKV(new LevelReader(db), 'bad\u0000name')).toThrow(/U\+0000/);
  });
});
