import type { Addressable } from '../index.js';
import { fieldPath, type Violations } from './rules.js';

/** The addressables table keys on storage_address, a varchar(200): longer addresses are refused here, by every backend. */
const MAX_STORAGE_ADDRESS_BYTES = 200;
const CHECKSUM_BYTES = 64; // a hex SHA-256

/** Substra's Addressable rules: checksum = 64 hex bytes, storage_address = a URL (plus the storage limit). */
function checkAddressable(v: Violations, path: string, addressable: Addressable): void {
  v.string(fieldPath(path, 'checksum'), addressable.checksum).required().exactBytes(CHECKSUM_BYTES).hexadecimal();
  v.string(fieldPath(path, 'storage_address'), addressable.storageAddress)
    .required()
    .maxBytes(MAX_STORAGE_ADDRESS_BYTES)
    .url();
}

/** A Required Addressable field: present, then valid. */
export function checkRequiredAddressable(v: Violations, path: string, addressable: Addressable | undefined): void {
  if (v.present(path, addressable)) checkAddressable(v, path, addressable);
}

/**
 * Only what storage can hold, for an address Substra does not validate (UpdateFunctionParam.image: the backend sends
 * what its builder produced, and an empty image is meaningful).
 */
export function checkStorableAddressable(v: Violations, path: string, addressable: Addressable | undefined): void {
  if (addressable === undefined) return;
  v.string(fieldPath(path, 'checksum'), addressable.checksum).maxBytes(CHECKSUM_BYTES);
  v.string(fieldPath(path, 'storage_address'), addressable.storageAddress).maxBytes(MAX_STORAGE_ADDRESS_BYTES);
}
