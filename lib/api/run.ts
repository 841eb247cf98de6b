import type { DescMessage, MessageShape } from '@bufbuild/protobuf';
import type { Event } from '../asset/index.js';
import { rejectNulCharacters } from '../asset/validation/index.js';
import { internal } from '../errors/index.js';
import type { IdempotentWrite } from '../idempotency/index.js';
import type { DBAL } from '../persistence/index.js';
import { EventBuffer, Provider, type Clock } from '../service/index.js';
import { recall, remember, requestDigest } from './idempotent.js';
import type { UnaryRpc } from './rpc.js';

/**
 * What a transport supplies to run one call: the transaction's storage, its time, and who calls in which channel.
 * Everything else a call needs (the services, the event buffer) is created fresh by {@link runCall}, so a retried
 * attempt depends on nothing a failed one did.
 */
export interface CallScope {
  dbal: DBAL;
  clock: Clock;
  /** The MSP id of the caller: the checked `mspid` header, or the transaction signer in chaincode. */
  requester: string;
  channel: string;
  /** Present when the client sent an idempotency key: where this transaction reads and writes its records. */
  idempotency?: IdempotentWrite;
}

/** What a call produced: its response and the events it emitted, in emission order, without ids. */
export interface CallOutcome<T> {
  response: T;
  events: Event[];
  /** True when the response is the recorded one of an earlier call under the same idempotency key (no effect). */
  replayed?: boolean;
}

/**
 * Runs `fn` over a fresh Provider bound to `scope` and collects the events it emits. The transport owns what
 * surrounds the call: the transaction, savepoints, event ids and where events are stored.
 */
export async function withProvider<T>(
  scope: CallScope,
  fn: (provider: Provider) => Promise<T>,
): Promise<CallOutcome<T>> {
  const buffer = new EventBuffer();
  const response = await fn(new Provider({ ...scope, events: buffer }));
  return { response, events: buffer.events };
}

/**
 * Runs one unary RPC of the table: the only place a row's service call is made. A request holding U+0000 in any
 * string is refused first, the same way on every backend (see rejectNulCharacters). A read-only row must not emit:
 * reads are evaluated, never committed (Fabric) or run in read-only transactions (SQL), so an event emitted there
 * would be lost; it is a bug in the service, reported as an internal error.
 *
 * A write with an idempotency key (`scope.idempotency`; reads ignore it) first looks for the key's record: one of the
 * same request within the window answers with the recorded response, emits nothing and changes nothing. Otherwise
 * the call runs and its response is recorded through the same transaction, so the record commits exactly when the
 * write does: a client that lost the answer (timeout, replica killed) and retries, on any replica, gets it back.
 *
 * @throws {@link OrcError} whatever the service refuses; InvalidAsset when the key was used for another request;
 * Internal for a read-only row that emitted.
 */
export async function runCall<I extends DescMessage, O extends DescMessage>(
  rpc: UnaryRpc<I, O>,
  request: MessageShape<I>,
  scope: CallScope,
): Promise<CallOutcome<MessageShape<O>>> {
  rejectNulCharacters(request);
  const write = rpc.readOnly ? undefined : scope.idempotency;
  if (!write) return runRow(rpc, request, scope);
  const digest = requestDigest(rpc, request);
  const now = scope.clock.now();
  const earlier = await recall(rpc, digest, write, scope.requester, now);
  if (earlier) return { response: earlier, events: [], replayed: true };
  const outcome = await runRow(rpc, request, scope);
  await remember(rpc, outcome.response, digest, write, scope.requester, now);
  return outcome;
}

async function runRow<I extends DescMessage, O extends DescMessage>(
  rpc: UnaryRpc<I, O>,
  request: MessageShape<I>,
  scope: CallScope,
): Promise<CallOutcome<MessageShape<O>>> {
  const outcome = await withProvider(scope, (provider) => rpc.call(provider, request));
  if (rpc.readOnly && outcome.events.length > 0) {
    throw internal(`read-only ${rpc.method.name} emitted ${outcome.events.length} event(s)`);
  }
  return outcome;
}
