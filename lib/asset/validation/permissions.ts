import type { NewPermissions } from '../index.js';
import type { Violations } from './rules.js';

/**
 * Substra only requires a NewPermissions to be present: its authorized ids are checked against the registered
 * organizations by the service, which knows them; a present but empty message means "private to the owner".
 */
export function checkRequiredPermissions(v: Violations, path: string, permissions: NewPermissions | undefined): void {
  v.present(path, permissions);
}
