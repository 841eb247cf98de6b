// Client side of grpc.reflection (v1, v1alpha) and grpc.health.v1 for tests, written from the public field numbers
// independently of the server's generated codec: what grpcurl or a Kubernetes
// probe would send and read.
import { BinaryReader, BinaryWriter, WireType } from '@bufbuild/protobuf/wire';
import {
  credentials,
  makeClientConstructor,
  type Client,
  type ClientDuplexStream,
  type ClientReadableStream,
  type ServiceError,
} from '@grpc/grpc-js';

const raw = (bytes: Buffer): Buffer => bytes;

export type ReflectionQuery =
  | { fileByFilename: string }
  | { fileContainingSymbol: string }
  | { fileContainingExtension: { containingType: string; extensionNumber: number } }
  | { allExtensionNumbersOfType: string }
  | { listServices: string };

export interface ReflectionReply {
  validHost: string;
  originalRequest: Uint8Array;
  files?: Uint8Array[];
  services?: string[];
  extensionNumbers?: { baseTypeName: string; numbers: number[] };
  error?: { code: number; message: string };
}

export function encodeQuery(query: ReflectionQuery, host = ''): Buffer {
  const w = new BinaryWriter();
  if (host) w.tag(1, WireType.LengthDelimited).string(host);
  if ('fileByFilename' in query) w.tag(3, WireType.LengthDelimited).string(query.fileByFilename);
  else if ('fileContainingSymbol' in query) w.tag(4, WireType.LengthDelimited).string(query.fileContainingSymbol);
  else if ('fileContainingExtension' in query) {
    const { containingType, extensionNumber } = query.fileContainingExtension;
    w.tag(5, WireType.LengthDelimited).fork();
    w.tag(1, WireType.LengthDelimited).string(containingType).tag(2, WireType.Varint).int32(extensionNumber);
    w.join();
  } else if ('allExtensionNumbersOfType' in query) {
    w.tag(6, WireType.LengthDelimited).string(query.allExtensionNumbersOfType);
  } else w.tag(7, WireType.LengthDelimited).string(query.listServices);
  return Buffer.from(w.finish());
}

/** Calls `each(field, wireType)` for every field; `each` reads the value or returns false to have it skipped. */
function fields(bytes: Uint8Array, each: (r: BinaryReader, field: number, wireType: WireType) => boolean): void {
  const r = new BinaryReader(bytes);
  while (r.pos < r.len) {
    const [field, wireType] = r.tag();
    if (!each(r, field, wireType)) r.skip(wireType, field);
  }
}

export function decodeReply(bytes: Uint8Array): ReflectionReply {
  const reply: ReflectionReply = { validHost: '', originalRequest: new Uint8Array() };
  fields(bytes, (r, field) => {
    if (field === 1) reply.validHost = r.string();
    else if (field === 2) reply.originalRequest = r.bytes();
    else if (field === 4) {
      const files: Uint8Array[] = [];
      fields(r.bytes(), (fr, f) => f === 1 && files.push(fr.bytes()) > 0);
      reply.files = files;
    } else if (field === 5) {
      const ext = { baseTypeName: '', numbers: [] as number[] };
      fields(r.bytes(), (er, f, wireType) => {
        if (f === 1) ext.baseTypeName = er.string();
        else if (f === 2 && wireType === WireType.LengthDelimited) {
          const packed = new BinaryReader(er.bytes());
          while (packed.pos < packed.len) ext.numbers.push(packed.int32());
        } else if (f === 2) ext.numbers.push(er.int32());
        else return false;
        return true;
      });
      reply.extensionNumbers = ext;
    } else if (field === 6) {
      const services: string[] = [];
      fields(r.bytes(), (sr, f) => {
        if (f !== 1) return false;
        fields(sr.bytes(), (nr, nf) => nf === 1 && services.push(nr.string()) > 0);
        return true;
      });
      reply.services = services;
    } else if (field === 7) {
      const error = { code: 0, message: '' };
      fields(r.bytes(), (er, f) => {
        if (f === 1) error.code = er.int32();
        else if (f === 2) error.message = er.string();
        else return false;
        return true;
      });
      reply.error = error;
    } else return false;
    return true;
  });
  return reply;
}

type ReflectionClient = Client & { ServerReflectionInfo(): ClientDuplexStream<Buffer, Buffer> };

/** One ServerReflectionInfo stream: `ask` sends a request and resolves with its (raw) response, in order. */
export function openReflection(address: string, version: 'v1' | 'v1alpha' = 'v1') {
  const Ctor = makeClientConstructor(
    {
      ServerReflectionInfo: {
        path: `/grpc.reflection.${version}.ServerReflection/ServerReflectionInfo`,
        requestStream: true,
        responseStream: true,
        requestSerialize: raw,
        requestDeserialize: raw,
        responseSerialize: raw,
        responseDeserialize: raw,
      },
    },
    'ServerReflection',
  );
  const client = new Ctor(address, credentials.createInsecure()) as unknown as ReflectionClient;
  const call = client.ServerReflectionInfo();
  const waiting: { resolve(b: Buffer): void; reject(e: Error): void }[] = [];
  call.on('data', (bytes: Buffer) => waiting.shift()?.resolve(bytes));
  call.on('error', (err: Error) => {
    for (const w of waiting.splice(0)) w.reject(err);
  });
  return {
    askRaw(request: Buffer): Promise<Buffer> {
      return new Promise((resolve, reject) => {
        waiting.push({ resolve, reject });
        call.write(request);
      });
    },
    async ask(query: ReflectionQuery, host = ''): Promise<ReflectionReply> {
      return decodeReply(await this.askRaw(encodeQuery(query, host)));
    },
    close(): void {
      call.end();
      client.close();
    },
  };
}

/** `grpcurl list`: the service names over reflection v1, without any header. */
export async function listServices(address: string): Promise<string[]> {
  const reflection = openReflection(address);
  try {
    return (await reflection.ask({ listServices: '' })).services ?? [];
  } finally {
    reflection.close();
  }
}

const STATUS_NAMES = ['UNKNOWN', 'SERVING', 'NOT_SERVING', 'SERVICE_UNKNOWN'];

function decodeStatus(bytes: Buffer): string {
  let status = 0;
  fields(bytes, (r, field, wireType) => {
    if (field !== 1 || wireType !== WireType.Varint) return false;
    status = r.int32();
    return true;
  });
  return STATUS_NAMES[status] ?? `status ${status}`;
}

type HealthClient = Client & {
  Check(request: string, callback: (err: ServiceError | null, status?: string) => void): void;
  Watch(request: string): ClientReadableStream<string>;
};

export function healthClient(address: string): HealthClient {
  const method = (name: string, responseStream: boolean) => ({
    path: `/grpc.health.v1.Health/${name}`,
    requestStream: false,
    responseStream,
    requestSerialize: (service: string) =>
      Buffer.from(new BinaryWriter().tag(1, WireType.LengthDelimited).string(service).finish()),
    // Server side of the definition, unused by a client.
    requestDeserialize: (bytes: Buffer) => bytes.toString(),
    responseSerialize: raw,
    responseDeserialize: decodeStatus,
  });
  const Ctor = makeClientConstructor({ Check: method('Check', false), Watch: method('Watch', true) }, 'Health');
  return new Ctor(address, credentials.createInsecure()) as unknown as HealthClient;
}

/** grpc.health.v1.Health/Check: the status name ("SERVING"), or the call's error. */
export function healthCheck(address: string, service: string): Promise<string> {
  const client = healthClient(address);
  return new Promise<string>((resolve, reject) =>
    client.Check(service, (err, status) => (err || status === undefined ? reject(err) : resolve(status))),
  ).finally(() => client.close());
}
