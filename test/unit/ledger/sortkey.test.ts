import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { compareKeys } from '../../../lib/ledger/kv.js';
import { dateAttr, dateBoundAttr, invertDigits, invertString, uninvertString } from '../../../lib/ledger/sortkey.js';
import { at } from './dbal-fixtures.js';

describe('sort keys', () => {
  it('invertString reverses the byte order, including prefixes, and can be undone', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'grapheme' }), fc.string({ unit: 'grapheme' }), (a, b) => {
        expect(Math.sign(compareKeys(invertString(a), invertString(b)))).toBe(0 - Math.sign(compareKeys(a, b)) || 0);
        expect(uninvertString(invertString(a))).toBe(a);
      }),
      { numRuns: 2000 },
    );
    expect(compareKeys(invertString('ab'), invertString('a'))).toBeLessThan(0);
    expect(uninvertString('zz~')).toBeUndefined();
    expect(uninvertString('ff')).toBeUndefined();
  });

  it('dateAttr is fixed width, in time order, at microsecond precision', () => {
    fc.assert(
      fc.property(fc.nat({ max: 2 ** 40 }), fc.nat({ max: 2 ** 40 }), (x, y) => {
        const [a, b] = [dateAttr(at(x)), dateAttr(at(y))];
        expect(a).toHaveLength(20);
        expect(Math.sign(compareKeys(a, b))).toBe(Math.sign(x - y) || 0);
        expect(Math.sign(compareKeys(invertDigits(a), invertDigits(b)))).toBe(Math.sign(y - x) || 0);
        expect(invertDigits(invertDigits(a))).toBe(a);
      }),
    );
    expect(dateAttr(undefined)).toBe('0'.repeat(20));
    const ts = at(0);
    ts.nanos = 999;
    expect(dateAttr(ts)).toBe(dateAttr(at(0)));
  });

  it('refuses to index instants before 1970 but clamps query bounds', () => {
    const before = { ...at(0), seconds: -5n };
    expect(() => dateAttr(before)).toThrow(/1970/);
    expect(dateBoundAttr(before)).toBe('0'.repeat(20));
  });
});
