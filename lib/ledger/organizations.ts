import { OrganizationSchema, type Organization } from '../asset/index.js';
import type { OrganizationStore } from '../persistence/index.js';
import { getDoc, putDoc, putIndex, requireAbsent, usable } from './docs.js';
import { Doc, Index, docKey, indexKey } from './keys.js';
import { loadAll, scanIndex } from './query.js';
import { dateAttr } from './sortkey.js';
import type { TxStore } from './store.js';

async function readOrganization(store: TxStore, id: string): Promise<Organization | undefined> {
  if (!usable(id)) return undefined;
  return getDoc(store, OrganizationSchema, docKey(Doc.organization, id));
}

export function organizationStore(store: TxStore): OrganizationStore {
  return {
    async addOrganization(org) {
      const key = docKey(Doc.organization, org.id);
      await requireAbsent(store, key, 'organization', org.id);
      await putDoc(store, OrganizationSchema, key, org);
      await putIndex(store, indexKey(Index.organizationsByDate, dateAttr(org.creationDate), org.id));
    },

    getOrganization: (id) => readOrganization(store, id),

    /** One range scan over the date index, then a point read per organization (there are few). */
    async getAllOrganizations() {
      const candidates = [];
      for await (const hit of scanIndex(store, Index.organizationsByDate, [])) {
        const id = hit.attrs[1] as string;
        candidates.push({ sort: hit.attrs, load: () => readOrganization(store, id) });
      }
      return loadAll(candidates);
    },
  };
}
