import { expect } from 'vitest';
import { create } from '@bufbuild/protobuf';
import { AddressableSchema, NewPermissionsSchema, type Addressable } from '../../../lib/asset/index.js';
import { isOrcError, type OrcError } from '../../../lib/errors/index.js';

/** Deterministic lower-case UUIDs with letters (so that upper-casing changes them): uuid(1) = "abcdef00-…-000000000001". */
export const uuid = (n: number): string => `abcdef00-0000-4000-8000-${n.toString(16).padStart(12, '0')}`;

export const CHECKSUM = 'a'.repeat(32) + 'F0'.repeat(16);
export const address = (path = 'file'): Addressable =>
  create(AddressableSchema, { checksum: CHECKSUM, storageAddress: `https://storage.org1.com/${path}` });
export const permissions = () => create(NewPermissionsSchema, { public: false, authorizedIds: ['Org1MSP'] });

/** Text of `n` bytes made of 2-byte characters (é), plus one ASCII byte when n is odd. */
export const bytes = (n: number): string => 'é'.repeat(Math.floor(n / 2)) + 'x'.repeat(n % 2);

function caught(run: () => void): OrcError {
  try {
    run();
  } catch (err) {
    if (isOrcError(err)) return err;
    throw err;
  }
  throw new Error('expected the validator to throw');
}

/**
 * Asserts an OE0101 for `asset` whose message names each `path` with its reason (`reason` is a substring, or any
 * reason when omitted), and returns the message for further checks.
 */
export function expectInvalid(run: () => void, asset: string, ...violations: (string | [string, string])[]): string {
  const err = caught(run);
  expect(err.kind).toBe('InvalidAsset');
  expect(err.code).toBe('OE0101');
  expect(err.status).toBe(3); // INVALID_ARGUMENT
  expect(err.message.startsWith(`OE0101: ${asset} is not valid: `)).toBe(true);
  const items = err.detail.slice(`${asset} is not valid: `.length).split('; ');
  for (const v of violations) {
    const [path, reason] = typeof v === 'string' ? [v, ''] : v;
    const hit = items.some((item) => item.startsWith(`${path}: `) && item.slice(path.length + 2).includes(reason));
    expect(hit, `expected "${path}: …${reason}…" in: ${err.detail}`).toBe(true);
  }
  return err.detail;
}

/** The list of "<path>: <reason>" items of the OE0101 thrown by `run`. */
export function violationsOf(run: () => void, asset: string): string[] {
  const err = caught(run);
  expect(err.code).toBe('OE0101');
  return err.detail.slice(`${asset} is not valid: `.length).split('; ');
}
