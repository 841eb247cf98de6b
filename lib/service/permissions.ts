import { create } from '@bufbuild/protobuf';
import {
  PermissionSchema,
  PermissionsSchema,
  type NewPermissions,
  type Permission,
  type Permissions,
} from '../asset/index.js';
import { badRequest } from '../errors/index.js';
import type { ServiceContext } from './context.js';

/**
 * Builds a stored permission from client input. The owner is always appended to authorized_ids, even when public,
 * so the creator is never locked out of its own asset (Substra keeps it and its e2e tests expect it).
 */
export async function createPermission(
  ctx: ServiceContext,
  owner: string,
  input: NewPermissions | undefined,
): Promise<Permission> {
  const isPublic = input?.public ?? false;
  const ids = [...(input?.authorizedIds ?? [])];
  if (!isPublic) await requireOrganizations(ctx, ids);
  if (!ids.includes(owner)) ids.push(owner);
  return create(PermissionSchema, { public: isPublic, authorizedIds: ids });
}

/** Download is not configurable separately: both actions get the same permission. */
export async function createPermissions(
  ctx: ServiceContext,
  owner: string,
  input: NewPermissions | undefined,
): Promise<Permissions> {
  const permission = await createPermission(ctx, owner, input);
  return create(PermissionsSchema, {
    process: permission,
    download: create(PermissionSchema, { public: permission.public, authorizedIds: [...permission.authorizedIds] }),
  });
}

async function requireOrganizations(ctx: ServiceContext, ids: string[]): Promise<void> {
  for (const id of new Set(ids)) {
    if (!(await ctx.dbal.getOrganization(id))) {
      throw badRequest(`invalid permission input values: organization "${id}" is not registered`);
    }
  }
}

/** Whether `organization` is granted `permission` (public, or listed); an absent permission grants nothing. */
export function isAllowed(permission: Permission | undefined, organization: string): boolean {
  return !!permission && (permission.public || permission.authorizedIds.includes(organization));
}

/** Whether `organization` may use the asset in its tasks (the `process` permission). */
export function canProcess(permissions: Permissions | undefined, organization: string): boolean {
  return isAllowed(permissions?.process, organization);
}

/** Who may do something that both permissions allow. Deterministic order: that of `a`. */
export function intersect(a: Permission, b: Permission): Permission {
  if (a.public && b.public) return create(PermissionSchema, { public: true, authorizedIds: [] });
  if (a.public) return create(PermissionSchema, { public: false, authorizedIds: unique(b.authorizedIds) });
  if (b.public) return create(PermissionSchema, { public: false, authorizedIds: unique(a.authorizedIds) });
  const other = new Set(b.authorizedIds);
  return create(PermissionSchema, {
    public: false,
    authorizedIds: unique(a.authorizedIds.filter((id) => other.has(id))),
  });
}

/**
 * Who may do something that either permission allows. Substra built the list from a hash map (random order); we keep
 * first-appearance order so that chaincode endorsements agree byte for byte.
 */
export function union(a: Permission, b: Permission): Permission {
  if (a.public || b.public) return create(PermissionSchema, { public: true, authorizedIds: [] });
  return create(PermissionSchema, { public: false, authorizedIds: unique([...a.authorizedIds, ...b.authorizedIds]) });
}

function unique(ids: readonly string[]): string[] {
  return [...new Set(ids)];
}
