// The embedded ledger: LedgerDB over one LevelDB in a data folder, with an ordered event log (README.md).
export { EmbeddedStore, type CommitListener } from './store.js';
export type { EmbeddedDBAL } from './dbal.js';
export { DataFolderError } from './folder.js';
// The KV and its reader are exported for the KV and DBAL contract tests, which run LedgerDB over them directly.
export { LevelKV, type LevelWrite } from './levelkv.js';
export { LevelReader, type LevelDB } from './reader.js';
export type { PositionedEvent } from './eventlog.js';
