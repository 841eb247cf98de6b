// The DBAL contract run against LedgerDB over every KV it is meant for.
import { ledgerDB } from '../../../lib/ledger/ledgerdb.js';
import { MemoryKV } from '../../../lib/ledger/memorykv.js';
import { StubKV } from '../../../lib/ledger/stubkv.js';
import { describeDbalContract } from './dbal-contract.js';
import { FakeStub } from './fakestub.js';

const channel = 'mychannel';

// Writes visible at once: the configuration service unit tests use.
describeDbalContract('LedgerDB over MemoryKV', () =>
  Promise.resolve({ dbal: ledgerDB(new MemoryKV(), channel), channel, eventOrder: 'timestamp' }),
);

// Fabric's view: reads never see the transaction's own writes, so every read-your-writes goes through the overlay.
describeDbalContract('LedgerDB over a MemoryKV transaction', () =>
  Promise.resolve({ dbal: ledgerDB(new MemoryKV().transaction(), channel), channel, eventOrder: 'timestamp' }),
);

// The Fabric adapter over a stub with a peer's semantics (seeks go through paginated calls).
describeDbalContract('LedgerDB over StubKV', () =>
  Promise.resolve({
    dbal: ledgerDB(new StubKV(new FakeStub(new MemoryKV())), channel),
    channel,
    eventOrder: 'timestamp',
  }),
);
