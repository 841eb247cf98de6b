import { FailureReportSchema } from '../asset/index.js';
import type { FailureReportStore } from '../persistence/index.js';
import { getDoc, putDoc, requireAbsent, usable } from './docs.js';
import { Doc, docKey } from './keys.js';
import type { TxStore } from './store.js';

export function failureReportStore(store: TxStore): FailureReportStore {
  return {
    /** One report per asset key, hence a Conflict on a second one. */
    async addFailureReport(report) {
      const key = docKey(Doc.failureReport, report.assetKey);
      await requireAbsent(store, key, 'failure report', report.assetKey);
      await putDoc(store, FailureReportSchema, key, report);
    },

    async getFailureReport(assetKey) {
      if (!usable(assetKey)) return undefined;
      return getDoc(store, FailureReportSchema, docKey(Doc.failureReport, assetKey));
    },
  };
}
