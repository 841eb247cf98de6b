import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { RE2JS } from 're2js';
import { isURL } from '../../../lib/asset/validation/index.js';
import { GOVALIDATOR_URL_PATTERN } from '../../../lib/asset/validation/url.js';

/** The same Go pattern as a (backtracking) JavaScript RegExp, usable as an oracle on short inputs. */
const oracle = new RegExp(
  GOVALIDATOR_URL_PATTERN.replace(/\\x\{([0-9a-fA-F]+)\}/g, (_m, hex: string) => `\\u{${hex}}`),
  'u',
);

const re2 = RE2JS.compile(GOVALIDATOR_URL_PATTERN);

describe("govalidator's URL pattern on RE2", () => {
  it('agrees with a backtracking RegExp on short inputs', () => {
    const char = fc.constantFrom(...'aZ09.-_:/@[]%?#é中 wh'.split(''), 'http://', 'www.', '::1', '1.2.3.4', '.com');
    fc.assert(
      fc.property(fc.array(char, { maxLength: 8 }), (parts) => {
        const s = parts.join('');
        expect(re2.matches(s), s).toBe(oracle.test(s));
      }),
      { numRuns: 3000 },
    );
    for (const s of ['https://example.com/a', 'http://[::1]:80', 'storage.example.com', 'é.com']) {
      expect([s, oracle.test(s), isURL(s)]).toEqual([s, true, true]);
    }
  });

  // A backtracking engine spends minutes on each of these; the test's timeout, not a measured bound, catches it.
  it('answers at once where a backtracking engine explodes', { timeout: 10_000 }, () => {
    for (const evil of ['a'.repeat(2000) + '!', 'http://' + 'a-'.repeat(1000) + '!', 'a.'.repeat(1000) + '!']) {
      expect(isURL(evil)).toBe(false);
    }
  });
});
