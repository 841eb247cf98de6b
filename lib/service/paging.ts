import { toBinary, type DescMessage, type MessageShape } from '@bufbuild/protobuf';
import { invalidAsset } from '../errors/index.js';
import type { PageRequest } from '../persistence/index.js';

/** Substra's default when a client sends page_size 0. */
export const DEFAULT_PAGE_SIZE = 50;

/**
 * Substra honours any page size; so do we, since its own end-to-end suite reads 5,000 tasks in one page. What
 * bounds a page is its encoded size (lib/persistence MAX_PAGE_BYTES), and this cap only keeps a request for four
 * billion items from scanning a whole ledger for one page: no listed asset encodes under ~40 bytes, so a page of
 * this many is already past the byte budget.
 */
export const MAX_PAGE_SIZE = 100_000;

/** Substra's page tokens are decimal offsets into the list; ours are base64url keysets, which never are all digits. */
const OFFSET_TOKEN = /^\d{1,15}$/;

/**
 * The page a Query RPC asks for. `itemSchema` is the schema of the listed asset: the DBAL weighs each item with it
 * to end a page before it outgrows a gRPC message.
 */
export function pageRequest(token: string, size: number, itemSchema: DescMessage): PageRequest {
  const byteSize = (item: object): number => toBinary(itemSchema, item as MessageShape<DescMessage>).length;
  const normalised = size === 0 ? DEFAULT_PAGE_SIZE : Math.min(size, MAX_PAGE_SIZE);
  if (!OFFSET_TOKEN.test(token)) return { token, size: normalised, byteSize };
  const skip = Number(token);
  if (!Number.isSafeInteger(skip)) throw invalidAsset(`invalid page token "${token}"`);
  return { token: '', skip, size: normalised, byteSize };
}
