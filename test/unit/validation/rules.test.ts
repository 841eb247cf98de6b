import { describe, expect, it } from 'vitest';
import { AssetKindSchema } from '../../../lib/asset/index.js';
import { checkUniqueKeys, isUuid, Violations } from '../../../lib/asset/validation/rules.js';
import { isOrcError } from '../../../lib/errors/index.js';
import { validateKey } from '../../../lib/asset/validation/index.js';
import { expectInvalid, uuid } from './helpers.js';

describe('Violations', () => {
  it('throws nothing when nothing was found', () => {
    expect(() => new Violations().throwIfAny('function')).not.toThrow();
  });

  it('throws one OE0101 listing every violation in order, with the asset name first', () => {
    const v = new Violations();
    v.add('a', 'first');
    v.add('b.c', 'second');
    let thrown: unknown;
    try {
      v.throwIfAny('computetask');
    } catch (err) {
      thrown = err;
    }
    expect(isOrcError(thrown)).toBe(true);
    expect((thrown as Error).message).toBe('OE0101: computetask is not valid: a: first; b.c: second');
  });

  it('skips format and length rules on empty values, which required() reports', () => {
    const v = new Violations();
    v.string('x', '').uuid().hexadecimal().url().requestUrl().exactBytes(64).bytesBetween(1, 2).maxBytes(0);
    expect(v.count).toBe(0);
    v.string('x', '').required();
    expect(v.count).toBe(1);
  });

  it('counts lengths in UTF-8 bytes', () => {
    const v = new Violations();
    v.string('two', 'éé').maxBytes(4); // 4 bytes: ok
    v.string('emoji', '😀').maxBytes(3); // 4 bytes: too long
    expect(v.count).toBe(1);
  });

  it('names enum values in oneOf and refuses 0 and undefined numbers', () => {
    const v = new Violations();
    expect(v.oneOf('k', 8, AssetKindSchema, [8])).toBe(true);
    expect(v.oneOf('k', 0, AssetKindSchema, [8])).toBe(false);
    expect(v.oneOf('k', 2, AssetKindSchema, [8])).toBe(false);
    expect(v.definedEnum('k', 0, AssetKindSchema)).toBe(true);
    expect(v.definedEnum('k', 2, AssetKindSchema)).toBe(false); // reserved, not defined
    expect(v.count).toBe(3);
  });

  it('reports duplicates after the first occurrence, naming the key, and ignores blanks', () => {
    const v = new Violations();
    checkUniqueKeys(v, 'tasks', ['a', 'b', 'a', '', '', 'a']);
    expect(() => v.throwIfAny('computetask')).toThrow(
      'tasks[2].key: duplicate key "a" in the batch (also tasks[0].key); tasks[5].key: duplicate key "a" in the batch (also tasks[0].key)',
    );
  });
});

describe('UUID rule', () => {
  it('accepts lower-case hex in 8-4-4-4-12 groups, any version', () => {
    expect(isUuid('123e4567-e89b-12d3-a456-426614174000')).toBe(true);
    expect(isUuid('00000000-0000-0000-0000-000000000000')).toBe(true);
  });

  it.each([
    ['upper case', '123E4567-E89B-12D3-A456-426614174000'],
    ['one upper-case letter', '123e4567-e89b-12d3-a456-42661417400A'],
    ['braces', '{123e4567-e89b-12d3-a456-426614174000}'],
    ['no dashes', '123e4567e89b12d3a456426614174000'],
    ['too short', '123e4567-e89b-12d3-a456-42661417400'],
    ['non-hex', '123e4567-e89b-12d3-a456-42661417400g'],
    ['trailing newline', '123e4567-e89b-12d3-a456-426614174000\n'],
  ])('refuses %s', (_n, key) => {
    expect(isUuid(key)).toBe(false);
  });
});

describe('validateKey', () => {
  it('passes a lower-case UUID', () => {
    expect(() => validateKey('computetask', 'key', uuid(1))).not.toThrow();
  });

  it('names the asset and field', () => {
    expectInvalid(() => validateKey('computeplan', 'key', ''), 'computeplan', ['key', 'cannot be blank']);
    expectInvalid(() => validateKey('model', 'compute_task_key', uuid(1).toUpperCase()), 'model', [
      'compute_task_key',
      'must be a valid UUID',
    ]);
  });
});
