import { describe, expect, it } from 'vitest';
import { create } from '@bufbuild/protobuf';
import { NewModelSchema, type Addressable } from '../../../lib/asset/index.js';
import { validateNewModel } from '../../../lib/asset/validation/index.js';
import { address, CHECKSUM, expectInvalid, uuid } from './helpers.js';

// Addressable rules are shared; they are exercised through NewModel.address, the smallest message that has one.
const withAddress = (change: (a: Addressable) => void) => {
  const a = address();
  change(a);
  return () =>
    validateNewModel(
      create(NewModelSchema, {
        key: uuid(1),
        computeTaskKey: uuid(2),
        computeTaskOutputIdentifier: 'model',
        address: a,
      }),
    );
};

describe('Addressable', () => {
  it('accepts a 64-character hex checksum in either case and a URL', () => {
    expect(withAddress(() => {})).not.toThrow();
    expect(withAddress((a) => (a.checksum = CHECKSUM.toUpperCase()))).not.toThrow();
    expect(withAddress((a) => (a.checksum = CHECKSUM.toLowerCase()))).not.toThrow();
  });

  it.each([
    ['63 characters', 'a'.repeat(63), 'exactly 64 bytes (got 63)'],
    ['65 characters', 'a'.repeat(65), 'exactly 64 bytes (got 65)'],
    ['non-hex', 'g'.repeat(64), 'hexadecimal'],
    ['64 characters but 65 bytes', 'é' + 'a'.repeat(63), 'exactly 64 bytes (got 65)'],
  ])('refuses a checksum of %s', (_n, checksum, reason) => {
    expectInvalid(
      withAddress((a) => (a.checksum = checksum)),
      'model',
      ['address.checksum', reason],
    );
  });

  it('requires checksum and storage_address', () => {
    expectInvalid(
      withAddress((a) => ((a.checksum = ''), (a.storageAddress = ''))),
      'model',
      ['address.checksum', 'cannot be blank'],
      ['address.storage_address', 'cannot be blank'],
    );
  });

  it('limits storage_address to 200 bytes (storage column), counted in bytes', () => {
    const prefix = 'https://s.io/';
    expect(withAddress((a) => (a.storageAddress = prefix + 'a'.repeat(200 - prefix.length)))).not.toThrow();
    expectInvalid(
      withAddress((a) => (a.storageAddress = prefix + 'a'.repeat(201 - prefix.length))),
      'model',
      ['address.storage_address', 'no more than 200 bytes (got 201)'],
    );
    expectInvalid(
      withAddress((a) => (a.storageAddress = prefix + 'é'.repeat(94))),
      'model',
      ['address.storage_address', 'got 201'],
    );
  });

  it.each(['not a url', 'localhost', 's3://bucket/key', 'http://exa mple.com', 'http://example.com/%zz'])(
    'refuses storage_address %j (not a govalidator URL)',
    (storageAddress) => {
      expectInvalid(
        withAddress((a) => (a.storageAddress = storageAddress)),
        'model',
        ['address.storage_address', 'must be a valid URL'],
      );
    },
  );

  it.each(['http://backend.org1:8000/model/1/file', 'storage.org1.com/file', 'localhost:8080/x', 'ftp://10.0.0.1/a'])(
    'accepts storage_address %j',
    (storageAddress) => {
      expect(withAddress((a) => (a.storageAddress = storageAddress))).not.toThrow();
    },
  );
});
