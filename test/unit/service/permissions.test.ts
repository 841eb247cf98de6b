import { create } from '@bufbuild/protobuf';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  NewPermissionsSchema,
  PermissionSchema,
  type Organization,
  type Permission,
} from '../../../lib/asset/index.js';
import { isOrcError } from '../../../lib/errors/index.js';
import {
  canProcess,
  createPermission,
  createPermissions,
  intersect,
  isAllowed,
  union,
  type ServiceContext,
} from '../../../lib/service/index.js';

const ORGS = ['A', 'B', 'C', 'D', 'E'];
const everyone = [...ORGS, 'Z']; // Z is never listed: only public permissions allow it

const orgArb = fc.constantFrom(...ORGS);
const permArb: fc.Arbitrary<Permission> = fc
  .record({ public: fc.boolean(), authorizedIds: fc.array(orgArb, { maxLength: 6 }) })
  .map((p) => create(PermissionSchema, p));

/** Who a permission lets in, over a fixed universe. */
const allowed = (p: Permission): string[] => everyone.filter((o) => isAllowed(p, o));
const same = (a: Permission, b: Permission): void => expect(allowed(a)).toEqual(allowed(b));

/** A context whose DBAL knows the organizations in `registered` (createPermission only asks getOrganization). */
function ctxWith(registered: readonly string[]): ServiceContext {
  const dbal = {
    getOrganization: (id: string): Promise<Organization | undefined> =>
      Promise.resolve(registered.includes(id) ? ({ id } as Organization) : undefined),
  };
  return { dbal, requester: 'A', channel: 'c' } as unknown as ServiceContext;
}

describe('permission algebra (allowed-set semantics)', () => {
  it('union allows exactly who either allows; intersection who both allow', () => {
    fc.assert(
      fc.property(permArb, permArb, (a, b) => {
        expect(allowed(union(a, b))).toEqual(everyone.filter((o) => isAllowed(a, o) || isAllowed(b, o)));
        expect(allowed(intersect(a, b))).toEqual(everyone.filter((o) => isAllowed(a, o) && isAllowed(b, o)));
      }),
    );
  });

  it('union and intersection are commutative and associative', () => {
    fc.assert(
      fc.property(permArb, permArb, permArb, (a, b, c) => {
        same(union(a, b), union(b, a));
        same(intersect(a, b), intersect(b, a));
        same(union(union(a, b), c), union(a, union(b, c)));
        same(intersect(intersect(a, b), c), intersect(a, intersect(b, c)));
      }),
    );
  });

  it('union and intersection are idempotent', () => {
    fc.assert(
      fc.property(permArb, (a) => {
        same(union(a, a), a);
        same(intersect(a, a), a);
      }),
    );
  });

  it('public absorbs in a union and is neutral in an intersection', () => {
    const pub = create(PermissionSchema, { public: true, authorizedIds: [] });
    fc.assert(
      fc.property(permArb, (a) => {
        expect(union(pub, a)).toMatchObject({ public: true, authorizedIds: [] });
        expect(union(a, pub)).toMatchObject({ public: true, authorizedIds: [] });
        same(intersect(pub, a), a);
        same(intersect(a, pub), a);
        expect(intersect(pub, a).public).toBe(a.public);
      }),
    );
  });

  it('docs/permissions.md table', () => {
    const p = (isPublic: boolean, ...ids: string[]) =>
      create(PermissionSchema, { public: isPublic, authorizedIds: ids });
    expect(intersect(p(true), p(false, 'test'))).toMatchObject({ public: false, authorizedIds: ['test'] });
    expect(intersect(p(false, 'org1'), p(false, 'org2'))).toMatchObject({ public: false, authorizedIds: [] });
    expect(intersect(p(false, 'org1'), p(false, 'org1', 'org2'))).toMatchObject({ authorizedIds: ['org1'] });
    expect(union(p(true), p(false, 'x')).public).toBe(true);
    expect(union(p(false, 'org1'), p(false, 'org2'))).toMatchObject({ public: false, authorizedIds: ['org1', 'org2'] });
  });

  it('union order is deterministic: first appearance, no duplicate', () => {
    fc.assert(
      fc.property(permArb, permArb, (a, b) => {
        fc.pre(!a.public && !b.public);
        const ids = union(a, b).authorizedIds;
        expect(ids).toEqual([...new Set([...a.authorizedIds, ...b.authorizedIds])]);
        expect(union(a, b)).toEqual(union(a, b));
      }),
    );
  });

  it('intersection keeps the order of its first restricted argument, without duplicates', () => {
    fc.assert(
      fc.property(permArb, permArb, (a, b) => {
        fc.pre(!a.public);
        const ids = intersect(a, b).authorizedIds;
        const expected = [...new Set(a.authorizedIds)].filter((o) => b.public || b.authorizedIds.includes(o));
        expect(ids).toEqual(expected);
      }),
    );
  });

  it('canProcess reads the process permission only', () => {
    const restricted = create(PermissionSchema, { public: false, authorizedIds: ['A'] });
    const pub = create(PermissionSchema, { public: true, authorizedIds: [] });
    expect(canProcess({ $typeName: 'orchestrator.Permissions', process: restricted, download: pub }, 'B')).toBe(false);
    expect(canProcess({ $typeName: 'orchestrator.Permissions', process: pub, download: restricted }, 'B')).toBe(true);
    expect(canProcess(undefined, 'A')).toBe(false);
  });
});

describe('createPermission', () => {
  const newPermsArb = fc.record({ public: fc.boolean(), authorizedIds: fc.array(orgArb, { maxLength: 6 }) });

  it('keeps the owner (appended last when absent, even when public), the given ids in order, and the public flag', async () => {
    await fc.assert(
      fc.asyncProperty(orgArb, newPermsArb, async (owner, input) => {
        const p = await createPermission(ctxWith(ORGS), owner, create(NewPermissionsSchema, input));
        expect(p.public).toBe(input.public);
        expect(p.authorizedIds).toContain(owner);
        const expected = input.authorizedIds.includes(owner) ? input.authorizedIds : [...input.authorizedIds, owner];
        expect(p.authorizedIds).toEqual(expected);
        expect(isAllowed(p, owner)).toBe(true);
      }),
    );
  });

  it('a missing input is private to the owner', async () => {
    expect(await createPermission(ctxWith([]), 'A', undefined)).toMatchObject({ public: false, authorizedIds: ['A'] });
  });

  it('restricted ids must be registered organizations (OE0003 "invalid permission input values"); public ids are not checked', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.subarray(ORGS),
        fc.array(orgArb, { minLength: 1, maxLength: 5 }),
        fc.boolean(),
        async (registered, ids, isPublic) => {
          const call = createPermission(
            ctxWith(registered),
            'A',
            create(NewPermissionsSchema, { public: isPublic, authorizedIds: ids }),
          );
          const unknown = ids.some((id) => !registered.includes(id));
          if (!isPublic && unknown) {
            const err = await call.catch((e: unknown) => e);
            expect(isOrcError(err) && err.code).toBe('OE0003');
            expect((err as Error).message).toContain('invalid permission input values');
          } else {
            await call;
          }
        },
      ),
    );
  });

  it('createPermissions: download is an equal but distinct copy of process', async () => {
    const perms = await createPermissions(ctxWith(ORGS), 'A', create(NewPermissionsSchema, { authorizedIds: ['B'] }));
    expect(perms.download).toEqual(perms.process);
    expect(perms.download).not.toBe(perms.process);
    expect(perms.download!.authorizedIds).not.toBe(perms.process!.authorizedIds);
  });
});
