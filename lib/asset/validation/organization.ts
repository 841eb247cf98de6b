import type { RegisterOrganizationParam } from '../index.js';
import { Violations } from './rules.js';

/** organizations.address is a varchar(200). */
const MAX_ADDRESS_BYTES = 200;

/**
 * The address is optional; when given it must be a request URL. Substra returned this failure as a raw error (gRPC
 * UNKNOWN, which clients retry); it is an OE0101 like every other validation failure.
 */
export function validateRegisterOrganizationParam(param: RegisterOrganizationParam): void {
  const v = new Violations();
  v.string('address', param.address).maxBytes(MAX_ADDRESS_BYTES).requestUrl();
  v.throwIfAny('organization');
}
