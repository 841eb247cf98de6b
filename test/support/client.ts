// A typed gRPC client for the 13 orchestrator services, derived from the generated protobuf-es service descriptors:
// no per-RPC code, so a new RPC in the proto is callable (and counted by the coverage check) without touching this
// file. Tests use it to talk to any target (embedded, PostgreSQL, Fabric) exactly like a Substra backend would.
import { create, fromBinary, toBinary } from '@bufbuild/protobuf';
import type { DescMessage, DescMethod, DescService, MessageInitShape, MessageShape } from '@bufbuild/protobuf';
import type { GenService, GenServiceMethods } from '@bufbuild/protobuf/codegenv2';
import * as grpc from '@grpc/grpc-js';
import {
  ComputePlanService,
  ComputeTaskService,
  DataManagerService,
  DataSampleService,
  DatasetService,
  EventService,
  FailureReportService,
  FunctionService,
  InfoService,
  ModelService,
  OrganizationService,
  PerformanceService,
  ProfilingService,
} from '../../lib/asset/index.js';

/** The services by short name: `client.plan.registerPlan(...)`, `client.task.getTask(...)`. */
export const serviceDescriptors = {
  plan: ComputePlanService,
  task: ComputeTaskService,
  dataManager: DataManagerService,
  dataSample: DataSampleService,
  dataset: DatasetService,
  event: EventService,
  failureReport: FailureReportService,
  function: FunctionService,
  info: InfoService,
  model: ModelService,
  organization: OrganizationService,
  performance: PerformanceService,
  profiling: ProfilingService,
} as const;

type Descriptors = typeof serviceDescriptors;
type MethodsOf<S> = S extends GenService<infer M extends GenServiceMethods> ? M : never;

export interface CallOptions {
  /** Deadline of this call in milliseconds (default: the client's). */
  timeoutMs?: number;
  /** Replaces the client's headers for this call; `undefined` values remove a header. */
  metadata?: Record<string, string | string[] | undefined>;
}

type UnaryMethod<M extends Pick<DescMethod, 'input' | 'output'>> = (
  request?: MessageInitShape<M['input']>,
  options?: CallOptions,
) => Promise<MessageShape<M['output']>>;

type StreamMethod<M extends Pick<DescMethod, 'input' | 'output'>> = (
  request?: MessageInitShape<M['input']>,
  options?: Omit<CallOptions, 'timeoutMs'>,
) => ServerStream<MessageShape<M['output']>>;

export type ServiceClient<M extends GenServiceMethods> = {
  [K in keyof M]: M[K]['methodKind'] extends 'server_streaming' ? StreamMethod<M[K]> : UnaryMethod<M[K]>;
};

export type OrchestratorServices = { [K in keyof Descriptors]: ServiceClient<MethodsOf<Descriptors[K]>> };

/** A failed call: the gRPC status code, the server's message (where the OE0xxx code lives) and the method path. */
export class RpcError extends Error {
  override readonly name = 'RpcError';
  constructor(
    readonly code: grpc.status,
    readonly details: string,
    readonly path: string,
  ) {
    super(`${path}: ${grpc.status[code] ?? code}: ${details}`);
  }

  static from(err: unknown, path: string): RpcError {
    if (err instanceof RpcError) return err;
    const e = err as Partial<grpc.ServiceError>;
    return new RpcError(e.code ?? grpc.status.UNKNOWN, e.details ?? String(err), path);
  }
}

/** Which RPC paths were called (successfully or not): the suite checks every RPC of the API table was exercised. */
/** How a call failed, which it must: its gRPC status name and OE code (the details when they carry none). */
export async function failureOf(call: () => Promise<unknown>): Promise<[string, string]> {
  try {
    await call();
  } catch (err) {
    if (!(err instanceof RpcError)) throw err;
    return [grpc.status[err.code] ?? String(err.code), /OE\d{4}/.exec(err.details)?.[0] ?? err.details];
  }
  throw new Error('expected the call to fail');
}

export class CallRecorder {
  readonly paths = new Set<string>();
  record(path: string): void {
    this.paths.add(path);
  }
}

export interface ClientIdentity {
  /** The `mspid` header; omitted when undefined (to test missing headers). */
  mspid: string | undefined;
  /** The `channel` header; omitted when undefined. */
  channel: string | undefined;
}

export interface ClientOptions extends ClientIdentity {
  recorder?: CallRecorder;
  /** Default deadline of unary calls (ms). */
  timeoutMs?: number;
}

/**
 * Events of a server stream, consumed as an async iterator or with `next(timeout)`. Buffered, so nothing is lost
 * between reads; `cancel()` ends the call (the server sees a cancellation).
 */
export class ServerStream<T> implements AsyncIterable<T> {
  private readonly buffer: T[] = [];
  private waiter: (() => void) | undefined;
  private ended = false;
  private failure: RpcError | undefined;
  private cancelled = false;
  /** Every message received so far, in order (also those already read). */
  readonly received: T[] = [];

  constructor(
    private readonly call: grpc.ClientReadableStream<T>,
    private readonly path: string,
  ) {
    call.on('data', (msg: T) => {
      this.buffer.push(msg);
      this.received.push(msg);
      this.wake();
    });
    call.on('error', (err: unknown) => {
      // The status of our own cancel() is not a failure of the stream.
      if (!(this.cancelled && (err as Partial<grpc.ServiceError>).code === grpc.status.CANCELLED)) {
        this.failure = RpcError.from(err, path);
      }
      this.ended = true;
      this.wake();
    });
    call.on('end', () => {
      this.ended = true;
      this.wake();
    });
  }

  private wake(): void {
    const w = this.waiter;
    this.waiter = undefined;
    w?.();
  }

  /** The error that ended the stream, if any. */
  get error(): RpcError | undefined {
    return this.failure;
  }

  get isEnded(): boolean {
    return this.ended;
  }

  /**
   * The next message; rejects with the stream's RpcError if it failed, with a timeout error if nothing arrives in
   * time, and resolves undefined when the stream ended normally.
   */
  async next(timeoutMs = 10_000): Promise<T | undefined> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const msg = this.buffer.shift();
      if (msg !== undefined) return msg;
      if (this.failure) throw this.failure;
      if (this.ended) return undefined;
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`${this.path}: no message within ${timeoutMs} ms`);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, left);
        this.waiter = () => {
          clearTimeout(timer);
          resolve();
        };
      });
    }
  }

  /** Reads exactly `count` messages (fails on timeout, end or error). */
  async take(count: number, timeoutMs = 20_000): Promise<T[]> {
    const deadline = Date.now() + timeoutMs;
    const out: T[] = [];
    while (out.length < count) {
      const msg = await this.next(Math.max(1, deadline - Date.now()));
      if (msg === undefined) throw new Error(`${this.path}: stream ended after ${out.length}/${count} messages`);
      out.push(msg);
    }
    return out;
  }

  /** Reads until `done(message)` is true; returns every message read, the matching one included. */
  async until(done: (msg: T) => boolean, timeoutMs = 20_000): Promise<T[]> {
    const deadline = Date.now() + timeoutMs;
    const out: T[] = [];
    for (;;) {
      const msg = await this.next(Math.max(1, deadline - Date.now()));
      if (msg === undefined) throw new Error(`${this.path}: stream ended after ${out.length} messages`);
      out.push(msg);
      if (done(msg)) return out;
    }
  }

  /**
   * Waits until the stream fails (or ends) and returns the error; for streams expected to be refused. Times out if
   * the stream stays open.
   */
  async failed(timeoutMs = 10_000): Promise<RpcError | undefined> {
    const deadline = Date.now() + timeoutMs;
    while (!this.ended) {
      if (Date.now() > deadline) throw new Error(`${this.path}: stream still open after ${timeoutMs} ms`);
      try {
        await this.next(Math.max(1, deadline - Date.now()));
      } catch (err) {
        if (err instanceof RpcError) return err;
        throw err;
      }
    }
    return this.failure;
  }

  cancel(): void {
    if (this.ended) return;
    this.cancelled = true;
    this.call.cancel();
  }

  async *[Symbol.asyncIterator](): AsyncIterator<T> {
    try {
      for (;;) {
        const msg = await this.next(2 ** 31 - 1);
        if (msg === undefined) return;
        yield msg;
      }
    } finally {
      this.cancel();
    }
  }
}

/** A connection to one orchestrator address; cheap `as(...)` views share it with other identities. */
export class Connection {
  readonly grpc: grpc.Client;
  private readonly streams = new Set<ServerStream<unknown>>();

  /**
   * `defaultLimits` keeps grpc's default 4 MiB receive limit, as most clients have it (Substra's backend does);
   * otherwise 64 MiB, for the tests that read large batch responses (a RegisterTasks of 1,000 tasks).
   */
  constructor(
    readonly address: string,
    options: { defaultLimits?: boolean } = {},
  ) {
    this.grpc = new grpc.Client(
      address,
      grpc.credentials.createInsecure(),
      options.defaultLimits ? {} : { 'grpc.max_receive_message_length': 64 * 1024 * 1024 },
    );
  }

  /** A client speaking as `identity` over this connection. */
  as(identity: ClientOptions): OrchestratorClient {
    return new OrchestratorClient(this, identity);
  }

  track(stream: ServerStream<unknown>): void {
    // Forget finished streams so a long run does not accumulate them.
    for (const s of this.streams) if (s.isEnded) this.streams.delete(s);
    this.streams.add(stream);
  }

  /** Cancels open streams and closes the channel. */
  close(): void {
    for (const s of this.streams) s.cancel();
    this.streams.clear();
    this.grpc.close();
  }
}

function buildMetadata(identity: ClientIdentity, override: CallOptions['metadata']): grpc.Metadata {
  const headers: Record<string, string | string[] | undefined> = {
    mspid: identity.mspid,
    channel: identity.channel,
    ...override,
  };
  const md = new grpc.Metadata();
  for (const [key, value] of Object.entries(headers)) {
    if (value === undefined) continue;
    for (const v of Array.isArray(value) ? value : [value]) md.add(key, v);
  }
  return md;
}

function methodClient(
  conn: Connection,
  options: ClientOptions,
  method: DescMethod,
): UnaryMethod<DescMethod> | StreamMethod<DescMethod> {
  const path = `/${method.parent.typeName}/${method.name}`;
  const input: DescMessage = method.input;
  const output: DescMessage = method.output;
  const serialize = (value: MessageShape<DescMessage>): Buffer => Buffer.from(toBinary(input, value));
  const deserialize = (bytes: Buffer): MessageShape<DescMessage> => fromBinary(output, bytes);

  if (method.methodKind === 'server_streaming') {
    const stream: StreamMethod<DescMethod> = (request, callOptions) => {
      options.recorder?.record(path);
      const call = conn.grpc.makeServerStreamRequest(
        path,
        serialize,
        deserialize,
        create(input, request),
        buildMetadata(options, callOptions?.metadata),
      );
      const events = new ServerStream(call, path);
      conn.track(events as ServerStream<unknown>);
      return events;
    };
    return stream;
  }
  if (method.methodKind !== 'unary') throw new Error(`${path}: ${method.methodKind} RPCs are not part of the API`);
  const unary: UnaryMethod<DescMethod> = (request, callOptions) => {
    options.recorder?.record(path);
    const timeoutMs = callOptions?.timeoutMs ?? options.timeoutMs ?? 60_000;
    return new Promise<MessageShape<DescMessage>>((resolve, reject) => {
      conn.grpc.makeUnaryRequest(
        path,
        serialize,
        deserialize,
        create(input, request),
        buildMetadata(options, callOptions?.metadata),
        { deadline: Date.now() + timeoutMs },
        (err, value) => {
          if (err) reject(RpcError.from(err, path));
          else if (value === undefined) reject(new RpcError(grpc.status.INTERNAL, 'empty response', path));
          else resolve(value);
        },
      );
    });
  };
  return unary;
}

function serviceClient(conn: Connection, options: ClientOptions, service: DescService): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const method of service.methods) out[method.localName] = methodClient(conn, options, method);
  return out;
}

/** All services, speaking as one (mspid, channel) identity. */
export class OrchestratorClient {
  readonly services: OrchestratorServices;

  constructor(
    readonly connection: Connection,
    readonly options: ClientOptions,
  ) {
    const services: Record<string, unknown> = {};
    for (const [name, service] of Object.entries(serviceDescriptors)) {
      services[name] = serviceClient(connection, options, service);
    }
    // The mapped type is built from the very descriptors iterated above.
    this.services = services as OrchestratorServices;
  }

  get mspid(): string | undefined {
    return this.options.mspid;
  }

  get channel(): string | undefined {
    return this.options.channel;
  }

  /** The same connection and recorder, another identity. */
  as(identity: Partial<ClientIdentity>): OrchestratorClient {
    return new OrchestratorClient(this.connection, { ...this.options, ...identity });
  }

  get plan(): OrchestratorServices['plan'] {
    return this.services.plan;
  }
  get task(): OrchestratorServices['task'] {
    return this.services.task;
  }
  get dataManager(): OrchestratorServices['dataManager'] {
    return this.services.dataManager;
  }
  get dataSample(): OrchestratorServices['dataSample'] {
    return this.services.dataSample;
  }
  get dataset(): OrchestratorServices['dataset'] {
    return this.services.dataset;
  }
  get event(): OrchestratorServices['event'] {
    return this.services.event;
  }
  get failureReport(): OrchestratorServices['failureReport'] {
    return this.services.failureReport;
  }
  get function(): OrchestratorServices['function'] {
    return this.services.function;
  }
  get info(): OrchestratorServices['info'] {
    return this.services.info;
  }
  get model(): OrchestratorServices['model'] {
    return this.services.model;
  }
  get organization(): OrchestratorServices['organization'] {
    return this.services.organization;
  }
  get performance(): OrchestratorServices['performance'] {
    return this.services.performance;
  }
  get profiling(): OrchestratorServices['profiling'] {
    return this.services.profiling;
  }
}

/** Opens a connection and returns a client for `options`. Close it with `client.connection.close()`. */
export function connect(address: string, options: ClientOptions): OrchestratorClient {
  return new Connection(address).as(options);
}

/** Every RPC path the generated services declare (the wire API), for coverage checks. */
export function allServicePaths(): string[] {
  return Object.values(serviceDescriptors).flatMap((s: DescService) =>
    s.methods.map((m) => `/${s.typeName}/${m.name}`),
  );
}
