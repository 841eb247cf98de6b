// The operator CLI's gRPC client: every call is a row of the RPC table (lib/api), so the CLI names RPCs the same way
// the server does and needs no per-RPC code. Requests and responses are protobuf-es messages.
import { readFileSync } from 'node:fs';
import {
  fromBinary,
  toBinary,
  type DescMessage,
  type DescMethodClientStreaming,
  type MessageInitShape,
  type MessageShape,
} from '@bufbuild/protobuf';
import { create } from '@bufbuild/protobuf';
import {
  credentials,
  Client,
  Metadata,
  status,
  type ChannelCredentials,
  type ClientWritableStream,
  type ServiceError,
} from '@grpc/grpc-js';
import { grpcPath, type EventStreamRpc, type UnaryRpc } from '../../lib/api/index.js';
import { orcErrorFromText, OrcError, errorMessage } from '../../lib/errors/index.js';

export interface ConnectionOptions {
  /** host:port */
  address: string;
  mspid: string;
  channel: string;
  tls?: {
    /** PEM of the CA that signed the server certificate; absent = the system's roots. */
    caCertPath?: string;
    /** PEM client certificate and key, for a server that requires mutual TLS. */
    certPath?: string;
    keyPath?: string;
  };
}

function channelCredentials(tls: ConnectionOptions['tls']): ChannelCredentials {
  if (!tls) return credentials.createInsecure();
  const read = (path: string | undefined): Buffer | null => (path ? readFileSync(path) : null);
  return credentials.createSsl(read(tls.caCertPath), read(tls.keyPath), read(tls.certPath));
}

const toBuffer = (bytes: Uint8Array): Buffer => Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);

/** The server's error as an OrcError when it carries an OE code, so the CLI prints one line a person can act on. */
function asOrcError(err: ServiceError, address: string): OrcError {
  const fromServer = orcErrorFromText(err.details);
  if (fromServer) return fromServer;
  if (err.code === status.UNAVAILABLE) {
    // grpc-js appends a resolution note and the last connection error; the connection error is what helps.
    const reason = /Last error: (?:Error: )?([^.]*)/.exec(err.details)?.[1] ?? err.details;
    return new OrcError('Unavailable', `cannot reach the orchestrator at ${address}: ${reason}`, { cause: err });
  }
  return new OrcError('Unavailable', err.details || err.message, { cause: err });
}

export class OrchestratorConnection {
  private readonly client: Client;

  constructor(readonly options: ConnectionOptions) {
    this.client = new Client(options.address, channelCredentials(options.tls), {
      // A page of thousands of tasks is larger than grpc's 4 MiB default.
      'grpc.max_receive_message_length': 64 * 1024 * 1024,
    });
  }

  private metadata(): Metadata {
    const md = new Metadata();
    md.set('mspid', this.options.mspid);
    md.set('channel', this.options.channel);
    return md;
  }

  call<I extends DescMessage, O extends DescMessage>(
    rpc: UnaryRpc<I, O>,
    request: MessageInitShape<I>,
  ): Promise<MessageShape<O>> {
    const { input, output } = rpc.method;
    return new Promise((resolve, reject) => {
      this.client.makeUnaryRequest(
        grpcPath(rpc),
        (message: MessageShape<I>) => toBuffer(toBinary(input, message)),
        (bytes: Buffer) => fromBinary(output, bytes),
        create(input, request),
        this.metadata(),
        (err, response) => (err ? reject(asOrcError(err, this.options.address)) : resolve(response as MessageShape<O>)),
      );
    });
  }

  /** The server stream of `rpc`, until `signal` aborts or the server ends it. */
  async *stream<I extends DescMessage, O extends DescMessage>(
    rpc: EventStreamRpc<I, O>,
    request: MessageInitShape<I>,
    signal: AbortSignal,
  ): AsyncGenerator<MessageShape<O>> {
    const { input, output } = rpc.method;
    const call = this.client.makeServerStreamRequest(
      grpcPath(rpc),
      (message: MessageShape<I>) => toBuffer(toBinary(input, message)),
      (bytes: Buffer) => fromBinary(output, bytes),
      create(input, request),
      this.metadata(),
    );
    const cancel = (): void => call.cancel();
    signal.addEventListener('abort', cancel, { once: true });
    try {
      for await (const message of call) yield message as MessageShape<O>;
    } catch (err) {
      if (signal.aborted) return;
      throw isServiceError(err)
        ? asOrcError(err, this.options.address)
        : new OrcError('Unavailable', errorMessage(err), { cause: err });
    } finally {
      signal.removeEventListener('abort', cancel);
      call.cancel();
    }
  }

  /**
   * A client-streaming call of an extension service (outside the RPC table): sends every request of `requests`,
   * waiting whenever the transport's buffer is full, then resolves with the single response.
   */
  async upload<I extends DescMessage, O extends DescMessage>(
    method: DescMethodClientStreaming<I, O>,
    requests: AsyncIterable<MessageInitShape<I>>,
  ): Promise<MessageShape<O>> {
    const { input, output } = method;
    let call: ClientWritableStream<MessageShape<I>> | undefined;
    const response = new Promise<MessageShape<O>>((resolve, reject) => {
      call = this.client.makeClientStreamRequest(
        `/${method.parent.typeName}/${method.name}`,
        (message: MessageShape<I>) => toBuffer(toBinary(input, message)),
        (bytes: Buffer) => fromBinary(output, bytes),
        this.metadata(),
        (err, message) => (err ? reject(asOrcError(err, this.options.address)) : resolve(message as MessageShape<O>)),
      );
    });
    const stream = call!;
    let ended = false;
    void response.catch(() => undefined).finally(() => (ended = true));
    try {
      for await (const request of requests) {
        if (ended) break;
        if (!stream.write(create(input, request))) {
          await new Promise<void>((resolve) => {
            stream.once('drain', resolve);
            void response.catch(() => undefined).finally(resolve);
          });
        }
      }
    } finally {
      stream.end();
    }
    return response;
  }

  close(): void {
    this.client.close();
  }
}

function isServiceError(err: unknown): err is ServiceError {
  return err instanceof Error && typeof (err as Partial<ServiceError>).code === 'number';
}
