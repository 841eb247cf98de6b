import { FailureReportSchema, type FailureReport } from '../asset/index.js';
import { getDoc, putDoc, requireAbsent, usable } from './docs.js';
import { Doc, docKey } from './keys.js';
import type { TxStore } from './store.js';

/** One report per asset key, hence a Conflict on a second one. */
export async function addFailureReport(store: TxStore, report: FailureReport): Promise<void> {
  const key = docKey(Doc.failureReport, report.assetKey);
  await requireAbsent(store, key, 'failure report', report.assetKey);
  await putDoc(store, FailureReportSchema, key, report);
}

export async function getFailureReport(store: TxStore, assetKey: string): Promise<FailureReport | undefined> {
  if (!usable(assetKey)) return undefined;
  return getDoc(store, FailureReportSchema, docKey(Doc.failureReport, assetKey));
}
