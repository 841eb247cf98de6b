import type { DescMessage, MessageShape } from '@bufbuild/protobuf';
import type { Event } from '../asset/index.js';
import { rejectNulCharacters } from '../asset/validation/index.js';
import { internal } from '../errors/index.js';
import type { DBAL } from '../persistence/index.js';
import { EventBuffer, Provider, type Clock } from '../service/index.js';
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
}

/** What a call produced: its response and the events it emitted, in emission order, without ids. */
export interface CallOutcome<T> {
  response: T;
  events: Event[];
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
 * @throws {@link OrcError} whatever the service refuses, or Internal for a read-only row that emitted.
 */
export async function runCall<I extends DescMessage, O extends DescMessage>(
  rpc: UnaryRpc<I, O>,
  request: MessageShape<I>,
  scope: CallScope,
): Promise<CallOutcome<MessageShape<O>>> {
  rejectNulCharacters(request);
  const outcome = await withProvider(scope, (provider) => rpc.call(provider, request));
  if (rpc.readOnly && outcome.events.length > 0) {
    throw internal(`read-only ${rpc.method.name} emitted ${outcome.events.length} event(s)`);
  }
  return outcome;
}
