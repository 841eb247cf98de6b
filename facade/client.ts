// A small generic client over the same descriptors (tests, tools, smoke checks): any RPC of the table, with the
// `mspid`/`channel` headers. Not used by the server.
import {
  fromBinary,
  toBinary,
  type DescMessage,
  type DescMethodServerStreaming,
  type DescMethodUnary,
  type MessageShape,
} from '@bufbuild/protobuf';
import {
  Client,
  credentials as grpcCredentials,
  Metadata,
  type ChannelCredentials,
  type ServiceError,
} from '@grpc/grpc-js';
import { methodPath } from './grpc/adapter.js';

export interface Headers {
  mspid?: string;
  channel?: string;
  reqid?: string;
  [name: string]: string | undefined;
}

function metadataOf(headers: Headers): Metadata {
  const md = new Metadata();
  for (const [k, v] of Object.entries(headers)) if (v !== undefined) md.add(k, v);
  return md;
}

const serializer =
  <D extends DescMessage>(schema: D) =>
  (message: MessageShape<D>): Buffer =>
    Buffer.from(toBinary(schema, message));
const deserializer =
  <D extends DescMessage>(schema: D) =>
  (bytes: Buffer): MessageShape<D> =>
    fromBinary(schema, bytes);

export class OrchestratorClient {
  readonly grpc: Client;

  constructor(address: string, creds: ChannelCredentials = grpcCredentials.createInsecure()) {
    this.grpc = new Client(address, creds, {
      'grpc.max_receive_message_length': -1,
      'grpc.max_send_message_length': -1,
    });
  }

  unary<I extends DescMessage, O extends DescMessage>(
    method: DescMethodUnary<I, O>,
    request: MessageShape<I>,
    headers: Headers,
  ): Promise<MessageShape<O>> {
    return new Promise((resolve, reject) => {
      this.grpc.makeUnaryRequest(
        methodPath(method),
        serializer(method.input),
        deserializer(method.output),
        request,
        metadataOf(headers),
        (err: ServiceError | null, res?: MessageShape<O>) => (err || !res ? reject(err) : resolve(res)),
      );
    });
  }

  /** A server stream as an async iterable; `signal` cancels it. */
  async *stream<I extends DescMessage, O extends DescMessage>(
    method: DescMethodServerStreaming<I, O>,
    request: MessageShape<I>,
    headers: Headers,
    signal?: AbortSignal,
  ): AsyncGenerator<MessageShape<O>, void, undefined> {
    const call = this.grpc.makeServerStreamRequest(
      methodPath(method),
      serializer(method.input),
      deserializer(method.output),
      request,
      metadataOf(headers),
    );
    const cancel = (): void => call.cancel();
    signal?.addEventListener('abort', cancel, { once: true });
    try {
      // grpc-js typings lack Symbol.asyncIterator on client streams although it is there at runtime.
      for await (const message of call as unknown as AsyncIterable<MessageShape<O>>) yield message;
    } finally {
      signal?.removeEventListener('abort', cancel);
      call.cancel();
    }
  }

  close(): void {
    this.grpc.close();
  }
}
