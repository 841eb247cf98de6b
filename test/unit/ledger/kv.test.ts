import { createRequire } from 'node:module';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { compareKeys, createCompositeKey, partialCompositeRange, splitCompositeKey } from '../../../lib/ledger/kv.js';

interface ShimStubStatics {
  ChaincodeStub: {
    prototype: {
      createCompositeKey(this: null, objectType: string, attributes: string[]): string;
      splitCompositeKey(this: null, key: string): { objectType: string | null; attributes: string[] };
    };
  };
}
// fabric-shim is CommonJS; its key helpers use no instance state, so they can be called on their own.
const shim = createRequire(import.meta.url)('fabric-shim') as ShimStubStatics;
const shimCreate = (t: string, a: string[]) => shim.ChaincodeStub.prototype.createCompositeKey.call(null, t, a);
const shimSplit = (k: string) => shim.ChaincodeStub.prototype.splitCompositeKey.call(null, k);

const attr = fc.string({ minLength: 1, maxLength: 8, unit: 'grapheme' }).filter((s) => !s.includes('\u0000'));
const utf8 = (s: string) => Buffer.from(s, 'utf8');

describe('composite keys', () => {
  it("match fabric-shim's encoding and splitting", () => {
    fc.assert(
      fc.property(attr, fc.array(attr, { maxLength: 4 }), (type, attrs) => {
        const key = createCompositeKey(type, attrs);
        expect(key).toBe(shimCreate(type, attrs));
        expect(splitCompositeKey(key)).toEqual(shimSplit(key));
      }),
    );
  });

  it('refuse empty attributes, as the shim does', () => {
    expect(() => createCompositeKey('t', ['a', ''])).toThrow(/non-zero length/);
    expect(() => shimCreate('t', ['a', ''])).toThrow(/non-zero length/);
    expect(() => createCompositeKey('', [])).toThrow();
  });

  it('give the range getStateByPartialCompositeKey scans', () => {
    expect(partialCompositeRange('task', ['p'])).toEqual([
      '\u0000task\u0000p\u0000',
      '\u0000task\u0000p\u0000\u{10FFFF}',
    ]);
    expect(splitCompositeKey('simple')).toBeUndefined();
  });
});

describe('compareKeys', () => {
  it('is the UTF-8 byte order LevelDB uses', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'grapheme' }), fc.string({ unit: 'grapheme' }), (a, b) => {
        expect(Math.sign(compareKeys(a, b))).toBe(Math.sign(Buffer.compare(utf8(a), utf8(b))) || 0);
      }),
      { numRuns: 2000 },
    );
  });

  it('differs from UTF-16 order where it must', () => {
    const bmp = '\uFFFD';
    const astral = '\u{1F600}';
    expect(bmp < astral).toBe(false); // UTF-16: surrogate 0xD83D sorts first
    expect(compareKeys(bmp, astral)).toBeLessThan(0); // UTF-8: EF BF BD < F0 9F 98 80
  });
});
