import { ledgerDB, StubKV, type KVStub, type LedgerDB } from '../lib/ledger/index.js';
import type { DBAL } from '../lib/persistence/index.js';

/**
 * The DBAL of one transaction: LedgerDB over the stub. LedgerDB writes straight through to the stub (the write set
 * builds up in call order, nothing to flush) and keeps an overlay so the transaction reads its own writes.
 */
export function openLedger(stub: KVStub, channel: string): DBAL {
  return ledgerDB(new StubKV(stub), channel);
}

/** The ledger of a batch transaction: writes wait in the overlay until flush(), so a failed call can be undone. */
export function openBatchLedger(stub: KVStub, channel: string): LedgerDB {
  return ledgerDB(new StubKV(stub), channel, { deferWrites: true });
}
