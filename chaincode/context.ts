import { create } from '@bufbuild/protobuf';
import { TimestampSchema, type Timestamp } from '@bufbuild/protobuf/wkt';
import { Context } from 'fabric-contract-api';
import type { Event } from '../lib/asset/index.js';
import type { DBAL } from '../lib/persistence/index.js';
import type { CallScope } from '../lib/api/index.js';
import { fixedClock } from '../lib/service/index.js';
import { idempotencyFromTransient, type IdempotentWrite } from '../lib/idempotency/index.js';
import { KVIdempotencyRecords, StubKV } from '../lib/ledger/index.js';
import { openLedger } from './ledger.js';

/**
 * The transaction context: fabric-contract-api creates one per invocation (Contract.createContext), so whatever it
 * holds lives exactly as long as one transaction and is never shared between concurrent ones.
 */
export class OrchestratorContext extends Context {
  /** The events of a successful writing call, ids assigned: afterTransaction turns them into the chaincode event. */
  pending: Event[] = [];

  /**
   * What the calls of this transaction run over. Every input comes from the signed proposal, identical on every
   * endorser: time = the transaction timestamp (never the peer's clock), requester = the signer's MSP id (never a
   * header). A batch transaction passes its own ledger.
   */
  scope(dbal?: DBAL): CallScope {
    const channel = this.stub.getChannelID();
    return {
      dbal: dbal ?? openLedger(this.stub, channel),
      clock: fixedClock(txTimestamp(this.stub.getTxTimestamp())),
      requester: this.clientIdentity.getMSPID(),
      channel,
    };
  }

  /**
   * The idempotency key of a single write, from the proposal's transient map (the facade puts it there); its record
   * is written to world state in this transaction, so every facade and replica finds it once committed.
   */
  idempotency(): IdempotentWrite | undefined {
    const sent = idempotencyFromTransient(this.stub.getTransient());
    if (!sent) return undefined;
    return { ...sent, records: new KVIdempotencyRecords(new StubKV(this.stub)) };
  }
}

/** fabric-shim 2.5 returns `{seconds: Long, nanos}`; Long's toString() is exact where toNumber() could round. */
function txTimestamp(ts: { seconds: { toString(): string }; nanos: number }): Timestamp {
  return create(TimestampSchema, { seconds: BigInt(ts.seconds.toString()), nanos: ts.nanos });
}
