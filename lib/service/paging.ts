import type { PageRequest } from '../persistence/index.js';

/** Substra's default when a client sends page_size 0. */
export const DEFAULT_PAGE_SIZE = 50;
/**
 * Larger requests are served in pages of this size, with a next_page_token: clients that follow tokens (substra-backend
 * does) see no difference, and one request can no longer ask the server for an unbounded response.
 */
export const MAX_PAGE_SIZE = 1000;

export function pageRequest(token: string, size: number): PageRequest {
  const normalised = size === 0 ? DEFAULT_PAGE_SIZE : Math.min(size, MAX_PAGE_SIZE);
  return { token, size: normalised };
}
