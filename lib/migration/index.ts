export {
  emptyCounts,
  LEDGER_FORMAT,
  LEDGER_FORMAT_VERSION,
  RECORD_KINDS,
  type LedgerHeader,
  type LedgerManifest,
  type LedgerRecord,
  type RecordKind,
} from './format.js';
export { LedgerWriter, type LineSink } from './writer.js';
export { ledgerRecords, verifyLedger } from './reader.js';
export { applyLedger, requireEmptyChannel } from './apply.js';
