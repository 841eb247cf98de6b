import { create } from '@bufbuild/protobuf';
import type { ChaincodeEvent, Network } from '@hyperledger/fabric-gateway';
import { CHAINCODE_EVENT_NAME, encodeEventPayload } from '../../../lib/fabricevents/index.js';
import { EventSchema, type Event } from '../../../lib/asset/index.js';

/** A channel's chaincode events as a peer would stream them: by block, from a start block, then waiting for more. */
export class FakeLedger {
  readonly chaincodeEvents: ChaincodeEvent[] = [];
  private readonly waiters: (() => void)[] = [];
  /** getChaincodeEvents calls refused from now on, each with the next error (a peer still down). */
  readonly refuseConnects: unknown[] = [];
  /** How many streams were opened. */
  connects = 0;
  /** The open streams; a failure set on one ends it with that error at its next step. */
  private readonly open = new Set<{ failure?: unknown }>();

  /** Makes the streams open now fail with `err`, as when their peer stops. */
  breakStreams(err: unknown): void {
    for (const stream of this.open) stream.failure = err;
    for (const wake of this.waiters.splice(0)) wake();
  }

  constructor(readonly channel: string) {}

  /** Appends one transaction with `count` orchestrator events in a new block; returns the events. */
  commit(txId: string, count: number, chaincode = 'orchestrator'): Event[] {
    const block = BigInt(this.chaincodeEvents.length + 1);
    const events = Array.from({ length: count }, (_, i) =>
      create(EventSchema, { id: `${txId}:${String(i).padStart(6, '0')}`, assetKey: `${txId}-${i}` }),
    );
    this.chaincodeEvents.push({
      blockNumber: block,
      transactionId: txId,
      chaincodeName: chaincode,
      eventName: CHAINCODE_EVENT_NAME,
      payload: encodeEventPayload(events),
    });
    for (const wake of this.waiters.splice(0)) wake();
    return events;
  }

  network(): Network {
    const { channel, chaincodeEvents, waiters, refuseConnects, open } = this;
    const opened = () => this.connects++;
    const partial = {
      getName: () => channel,
      getChaincodeEvents: (chaincode: string, options?: { startBlock?: bigint }) => {
        const refusal = refuseConnects.shift();
        if (refusal !== undefined) return Promise.reject(refusal);
        opened();
        const state: { failure?: unknown } = {};
        open.add(state);
        let closed = false;
        let index = chaincodeEvents.findIndex((e) => e.blockNumber >= (options?.startBlock ?? 0n));
        if (index < 0) index = chaincodeEvents.length;
        const iterable = {
          close: () => {
            closed = true;
            for (const wake of waiters.splice(0)) wake();
          },
          async *[Symbol.asyncIterator]() {
            try {
              while (!closed) {
                if (state.failure !== undefined) throw state.failure;
                const next = chaincodeEvents[index];
                if (next === undefined) {
                  await new Promise<void>((resolve) => waiters.push(resolve));
                  continue;
                }
                index++;
                if (next.chaincodeName === chaincode) yield next;
              }
            } finally {
              open.delete(state);
            }
          },
        };
        return Promise.resolve(iterable);
      },
    };
    return partial as unknown as Network;
  }
}
