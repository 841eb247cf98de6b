import { setTimeout as sleep } from 'node:timers/promises';
import type { Network } from '@hyperledger/fabric-gateway';
import type { Event } from '../../lib/asset/index.js';
import { isOrcError, OrcError } from '../../lib/errors/index.js';
import { ledgerEvents, type LedgerPosition } from './subscribe.js';

export interface ReconnectOptions {
  /** The channel as seen by the reading organization; asked again after every interruption. */
  network(): Promise<Network>;
  signal: AbortSignal;
  /** Told about each interruption before the next attempt (a peer restart, a lost connection). */
  interrupted(err: OrcError, retryInMs: number): void;
  /** First and largest pause between attempts. */
  backoffMs?: { first: number; max: number };
}

export interface FollowOptions extends ReconnectOptions {
  chaincode: string;
}

/**
 * What `read` yields, for as long as `signal` allows: when the peer goes away the reader waits and calls `read`
 * again, which resumes where it stopped (it keeps its own position), so a consumer sees every item once, in ledger
 * order, across peer restarts. Errors that a new attempt cannot fix (an unknown channel, a refused identity) are not
 * retried.
 */
export async function* reconnecting<T>(
  read: (network: Network) => AsyncIterable<T>,
  options: ReconnectOptions,
): AsyncGenerator<T> {
  const { first, max } = options.backoffMs ?? { first: 500, max: 15_000 };
  let backoff = first;
  while (!options.signal.aborted) {
    try {
      for await (const item of read(await options.network())) {
        backoff = first;
        yield item;
      }
      if (options.signal.aborted) return;
      // The peer ended the stream without an error (it is shutting down): reconnect like after a failure.
      options.interrupted(new OrcError('Unavailable', 'the peer ended the event stream'), backoff);
    } catch (err) {
      if (options.signal.aborted) return;
      if (!isOrcError(err) || !RETRIED.has(err.kind)) throw err;
      options.interrupted(err, backoff);
    }
    await sleep(backoff, undefined, { signal: options.signal }).catch(() => undefined);
    backoff = Math.min(backoff * 2, max);
  }
}

/** A channel's chaincode events strictly after `after`, reconnecting as {@link reconnecting} says. */
export function followLedgerEvents(
  after: LedgerPosition | undefined,
  options: FollowOptions,
): AsyncGenerator<{ event: Event; position: LedgerPosition }> {
  let position = after;
  return reconnecting(async function* (network) {
    for await (const item of ledgerEvents(network, options.chaincode, position, options.signal)) {
      position = item.position;
      yield item;
    }
  }, options);
}

/** A lost peer shows as Unavailable, or as Internal when the stream broke in an unclassified way. */
const RETRIED: ReadonlySet<string> = new Set(['Unavailable', 'Internal']);
