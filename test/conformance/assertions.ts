// Assertions shared by the scenarios: gRPC errors (status + OE code), protobuf equality, event look-ups, polling.
import { equals, toJson, type DescMessage, type MessageInitShape, type MessageShape } from '@bufbuild/protobuf';
import type { Timestamp } from '@bufbuild/protobuf/wkt';
import { status } from '@grpc/grpc-js';
import { expect } from 'vitest';
import { EventKind, EventSchema, SortOrder, type Event, type EventQueryFilterSchema } from '../../lib/asset/index.js';
import { RpcError, type OrchestratorClient } from '../support/client.js';

export { status as Code };

/** Substra codes clients match on (substra-behaviour §2.15). */
export type OrcCode =
  | 'OE0002'
  | 'OE0003'
  | 'OE0006'
  | 'OE0007'
  | 'OE0010'
  | 'OE0101'
  | 'OE0102'
  | 'OE0106'
  | 'OE0107'
  | 'OE0108'
  | 'OE0109';

/** The status each code maps to (substra-behaviour §2.15, with ARCHITECTURE §6's fixes for OE0108/OE0109). */
export const statusOf: Record<OrcCode, status> = {
  OE0002: status.NOT_FOUND,
  OE0003: status.FAILED_PRECONDITION,
  OE0006: status.ALREADY_EXISTS,
  OE0007: status.INTERNAL,
  OE0010: status.UNIMPLEMENTED,
  OE0101: status.INVALID_ARGUMENT,
  OE0102: status.PERMISSION_DENIED,
  OE0106: status.INVALID_ARGUMENT,
  OE0107: status.INVALID_ARGUMENT,
  OE0108: status.FAILED_PRECONDITION,
  OE0109: status.FAILED_PRECONDITION,
};

/** Codes seen by the suite, for the error-coverage check. */
export const seenCodes = new Set<OrcCode>();

/**
 * The call must fail with `code`'s OE code in its message and the status that code maps to. Returns the error for
 * further checks on the message.
 */
export async function expectOrcError(call: Promise<unknown>, code: OrcCode): Promise<RpcError> {
  let outcome: unknown;
  try {
    outcome = await call;
  } catch (err) {
    if (!(err instanceof RpcError)) throw err;
    expect(
      { status: status[err.code], hasCode: err.details.includes(code) },
      `${err.path} failed with ${status[err.code]}: ${err.details}`,
    ).toEqual({ status: status[statusOf[code]], hasCode: true });
    seenCodes.add(code);
    return err;
  }
  expect.fail(`expected ${code} (${status[statusOf[code]]}), but the call succeeded: ${describe(outcome)}`);
}

/** The call must fail with gRPC status `code`; the message must carry some OE code (never a bare error). */
export async function expectStatus(call: Promise<unknown>, code: status): Promise<RpcError> {
  let outcome: unknown;
  try {
    outcome = await call;
  } catch (err) {
    if (!(err instanceof RpcError)) throw err;
    expect(status[err.code], `${err.path}: ${err.details}`).toBe(status[code]);
    expect(err.details, `${err.path}: the message should carry an OE code`).toMatch(/OE\d{4}/);
    return err;
  }
  expect.fail(`expected ${status[code]}, but the call succeeded: ${describe(outcome)}`);
}

/** The call must fail with one of `codes`. */
export async function expectStatusIn(call: Promise<unknown>, codes: status[]): Promise<RpcError> {
  let outcome: unknown;
  try {
    outcome = await call;
  } catch (err) {
    if (!(err instanceof RpcError)) throw err;
    expect(
      codes.map((c) => status[c]),
      `${err.path}: ${err.details}`,
    ).toContain(status[err.code]);
    return err;
  }
  expect.fail(
    `expected one of ${codes.map((c) => status[c]).join(', ')}, but the call succeeded: ${describe(outcome)}`,
  );
}

function describe(value: unknown): string {
  try {
    return JSON.stringify(value, (_k, v: unknown) => (typeof v === 'bigint' ? v.toString() : v)).slice(0, 300);
  } catch {
    return String(value);
  }
}

/** Deep protobuf equality, with a JSON diff when it fails. */
export function expectMessage<D extends DescMessage>(
  schema: D,
  actual: MessageShape<D> | undefined,
  expected: MessageShape<D> | undefined,
  what = schema.typeName,
): void {
  expect(actual, `${what}: missing`).toBeDefined();
  expect(expected, `${what}: missing expected value`).toBeDefined();
  if (!actual || !expected) return;
  if (!equals(schema, actual, expected)) {
    // The JSON form shows where they differ; equals() also catches what JSON hides (e.g. presence of empty messages).
    expect(toJson(schema, actual), what).toEqual(toJson(schema, expected));
    expect.fail(`${what}: protobuf messages differ (same JSON: presence of an empty sub-message?)`);
  }
}

/** Substra's timestamps have microsecond precision in every mode. */
export function expectMicros(ts: Timestamp | undefined, what = 'timestamp'): void {
  expect(ts, `${what} missing`).toBeDefined();
  expect(ts ? ts.nanos % 1000 : -1, `${what} must be microsecond-precise`).toBe(0);
  // A sane date (after 2020, before 2100): catches seconds/milliseconds mix-ups.
  expect(Number(ts?.seconds ?? 0n)).toBeGreaterThan(1_577_836_800);
  expect(Number(ts?.seconds ?? 0n)).toBeLessThan(4_102_444_800);
}

type EventFilterInit = MessageInitShape<typeof EventQueryFilterSchema>;

/** Every event matching `filter` in the client's channel, all pages, QueryEvents order (commit order). */
export async function queryAllEvents(
  client: OrchestratorClient,
  filter: EventFilterInit,
  sort: SortOrder = SortOrder.ASCENDING,
): Promise<Event[]> {
  const out: Event[] = [];
  let pageToken = '';
  for (let page = 0; page < 10_000; page++) {
    const res = await client.event.queryEvents({ filter, pageToken, pageSize: 500, sort });
    out.push(...res.events);
    if (res.nextPageToken === '' || res.events.length === 0) return out;
    pageToken = res.nextPageToken;
  }
  throw new Error('QueryEvents never returned an empty token');
}

/** Events about one asset key. */
export function eventsOf(client: OrchestratorClient, assetKey: string): Promise<Event[]> {
  return queryAllEvents(client, { assetKey });
}

/** A refused write left nothing behind: no event about `assetKey`, and `get` (if given) answers NOT_FOUND. */
export async function expectNothingWritten(
  client: OrchestratorClient,
  assetKey: string,
  get?: () => Promise<unknown>,
): Promise<void> {
  expect(await eventsOf(client, assetKey), `events about ${assetKey} after a refused write`).toEqual([]);
  if (get) await expectOrcError(get(), 'OE0002');
}

/** The only CREATED event about `assetKey` (of the given payload case), failing if there is not exactly one. */
export async function createdEvent(
  client: OrchestratorClient,
  assetKey: string,
  assetCase: NonNullable<Event['asset']['case']>,
): Promise<Event> {
  const created = (await eventsOf(client, assetKey)).filter(
    (e) => e.eventKind === EventKind.EVENT_ASSET_CREATED && e.asset.case === assetCase,
  );
  expect(created.length, `CREATED ${assetCase} events about ${assetKey}`).toBe(1);
  return created[0]!;
}

/** The payload of an event, which must be of `assetCase`. */
export function payload<C extends AssetCase>(event: Event, assetCase: C): PayloadOf<C> {
  const value: unknown = oneof(event.asset, assetCase);
  if (value === undefined) throw new Error(`event ${event.id} has no ${assetCase} payload`);
  // oneof() checked the case; TypeScript cannot narrow a union by a generic discriminant.
  return value as PayloadOf<C>;
}

type AssetCase = NonNullable<Event['asset']['case']>;
type PayloadOf<C extends AssetCase> = Extract<Event['asset'], { case: C }> extends { value: infer V } ? V : never;

/** The value of a oneof if it holds `wanted` (fails the test otherwise). */
export function oneof<O extends { case: string | undefined; value?: unknown }, C extends NonNullable<O['case']>>(
  o: O | undefined,
  wanted: C,
): Extract<O, { case: C }>['value'] | undefined {
  expect(o?.case, 'oneof case').toBe(wanted);
  return o?.case === wanted ? (o as Extract<O, { case: C }>).value : undefined;
}

/** Polls `probe` until it returns a value other than undefined, or fails at the deadline (no fixed sleeps). */
export async function eventually<T>(
  probe: () => Promise<T | undefined> | T | undefined,
  options: { timeoutMs?: number; intervalMs?: number; what?: string } = {},
): Promise<T> {
  const deadline = Date.now() + (options.timeoutMs ?? 20_000);
  let lastError: unknown;
  for (;;) {
    try {
      const value = await probe();
      if (value !== undefined) return value;
    } catch (err) {
      lastError = err;
    }
    if (Date.now() > deadline) {
      throw new Error(
        `${options.what ?? 'condition'} not met within ${options.timeoutMs ?? 20_000} ms` +
          (lastError ? `: ${String(lastError)}` : ''),
      );
    }
    await new Promise((r) => setTimeout(r, options.intervalMs ?? 50));
  }
}

export function expectEventMeta(event: Event, channel: string): void {
  expect(event.id, 'event id').not.toBe('');
  expect(event.channel, 'event channel').toBe(channel);
  expectMicros(event.timestamp, 'event timestamp');
}

export { EventSchema };
