import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { LinearPattern } from '../../../lib/asset/validation/regular.js';
import { GOVALIDATOR_URL_PATTERN } from '../../../lib/asset/validation/url.js';

/** The same Go pattern as a (backtracking) JavaScript RegExp, usable as an oracle on short inputs. */
const oracle = (goPattern: string): RegExp =>
  new RegExp(
    goPattern.replace(/\\x\{([0-9a-fA-F]+)\}/g, (_m, hex: string) => `\\u{${hex}}`),
    'u',
  );

describe('LinearPattern', () => {
  it.each([
    ['^a(b|c)*d$', ['ad', 'abcbd'], ['a', 'abx', 'xad']],
    ['^x{2,3}$', ['xx', 'xxx'], ['x', 'xxxx']],
    ['^x{2}y{1,}$', ['xxy', 'xxyyy'], ['xy', 'xx']],
    ['^[a-c-]+$', ['a-c', '---'], ['d', '']],
    ['^[0-9-_]+$', ['9-_'], ['a', '.']],
    ['^[^\\s]+$', ['abc'], ['a b', '\t']],
    ['^\\S+@$', ['a@'], ['@', ' @']],
    ['^(?:ab)?c$', ['c', 'abc'], ['ac']],
    ['^[\\x{00a1}-\\x{ffff}]$', ['é', '中'], ['e', '😀']],
    ['^(a*)*$', ['', 'aaa'], ['b']],
    ['^a.c$', ['abc', 'a c'], ['a\nc']],
  ])('%s', (pattern, yes, no) => {
    const p = LinearPattern.compile(pattern);
    for (const s of yes) expect(p.matches(s), s).toBe(true);
    for (const s of no) expect(p.matches(s), s).toBe(false);
  });

  it.each(['^a(b$', '^a[b$', '^(?i)a$', '^a\\q$', '^a^b$'])('refuses unsupported syntax %s', (pattern) => {
    expect(() => LinearPattern.compile(pattern)).toThrow(/pattern:/);
  });

  it('agrees with a backtracking RegExp on the govalidator URL pattern (short inputs)', () => {
    const linear = LinearPattern.compile(GOVALIDATOR_URL_PATTERN);
    const regexp = oracle(GOVALIDATOR_URL_PATTERN);
    const char = fc.constantFrom(...'aZ09.-_:/@[]%?#é中 wh'.split(''), 'http://', 'www.', '::1', '1.2.3.4', '.com');
    fc.assert(
      fc.property(fc.array(char, { maxLength: 8 }), (parts) => {
        const s = parts.join('');
        expect(linear.matches(s)).toBe(regexp.test(s));
      }),
      { numRuns: 3000 },
    );
  });

  it('stays linear where a backtracking engine explodes', () => {
    const linear = LinearPattern.compile(GOVALIDATOR_URL_PATTERN);
    const start = performance.now();
    for (const evil of ['a'.repeat(2000) + '!', 'http://' + 'a-'.repeat(1000) + '!', 'a.'.repeat(1000) + '!']) {
      expect(linear.matches(evil)).toBe(false);
    }
    expect(performance.now() - start).toBeLessThan(2000);
  });
});
