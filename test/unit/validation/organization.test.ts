import { describe, expect, it } from 'vitest';
import { create } from '@bufbuild/protobuf';
import { RegisterOrganizationParamSchema } from '../../../lib/asset/index.js';
import { validateRegisterOrganizationParam } from '../../../lib/asset/validation/index.js';
import { expectInvalid } from './helpers.js';

const org = (address: string) => () =>
  validateRegisterOrganizationParam(create(RegisterOrganizationParamSchema, { address }));

describe('validateRegisterOrganizationParam', () => {
  it.each(['', 'https://backend.org1.com', 'http://10.0.0.1:8000/api', 'localhost:8000'])('accepts %j', (address) => {
    expect(org(address)).not.toThrow();
  });

  it.each(['backend.org1.com', '/api', '10.0.0.1:8000', 'http://bad host'])(
    'refuses %j (not a request URL)',
    (address) => {
      expectInvalid(org(address), 'organization', ['address', 'must be a valid request URL']);
    },
  );

  it('limits the address to 200 bytes (storage column)', () => {
    const prefix = 'https://o.io/';
    expect(org(prefix + 'a'.repeat(200 - prefix.length))).not.toThrow();
    expectInvalid(org(prefix + 'a'.repeat(201 - prefix.length)), 'organization', ['address', 'no more than 200 bytes']);
  });
});
