import { fromBinary, toBinary, type DescMessage, type MessageShape } from '@bufbuild/protobuf';
import { JSONSerializer } from 'fabric-contract-api';
import { OrcError } from '../lib/errors/index.js';

/**
 * Wire format between the facade and the chaincode: the only argument of every transaction is the protobuf binary
 * encoding of the gRPC request message, and the payload of every successful response is the protobuf binary encoding
 * of the gRPC response message. No wrapper: the transaction name already says which messages these are.
 *
 * Why binary rather than canonical protobuf JSON (Substra wraps protojson in JSON): measured with a RegisterTasks
 * batch of 1,000 federated-learning tasks (test/unit/chaincode/request.bench.ts; 2 organizations, each train task
 * with an opener, 5 samples and its parent model; Node 20 on a shared 2-core box, vitest bench 3 s per case):
 *
 * | 1,000 tasks                        | protobuf binary | protobuf JSON |
 * |------------------------------------|-----------------|---------------|
 * | argument size                      | 478 KB          | 778 KB        |
 * | encode at the client (mean / min)  | 20 / 5.1 ms     | 17 / 5.4 ms   |
 * | decode in the chaincode (mean/min) | 16 / 5.6 ms     | 29 / 13 ms    |
 *
 * Encoding costs the same; decoding, which every endorsing peer repeats, is about 2x faster, and the argument, which
 * is sent to every endorser and then stored in the block for good, is 1.6x smaller. Binary also needs no JSON
 * mapping of int64/enums/bytes to agree on between the two sides.
 */

/** The media type written in the contract metadata for every parameter and return value. */
export const PROTOBUF_MEDIA_TYPE = 'application/x-protobuf';

/**
 * Bytes that stringify cheaply. fabric-shim 2.5.8 builds some debug messages eagerly, whatever the log level:
 * `${JSON.stringify(result)}` of the return value (chaincodefromcontract.js) and `${returnParams}` of the arguments
 * (datamarshall.js). For a plain Uint8Array of a 1,000-task response (~500 KB) the first alone takes ~450 ms (one
 * JSON key per byte); for a Buffer argument the second decodes it as UTF-8. These overrides make both a few bytes.
 */
export class OpaqueBytes extends Uint8Array {
  static view(bytes: Uint8Array): OpaqueBytes {
    // A view, not a copy. Protobuf-es and the shim only hand out bytes over plain ArrayBuffers (never shared ones).
    return new OpaqueBytes(bytes.buffer as ArrayBuffer, bytes.byteOffset, bytes.byteLength);
  }

  override toString(): string {
    return `<${this.byteLength} bytes>`;
  }

  toJSON(): string {
    return this.toString();
  }
}

/** Decodes a request; bytes that are not a valid message are the client's fault (INVALID_ARGUMENT). */
export function decodeRequest<Desc extends DescMessage>(schema: Desc, bytes: Uint8Array): MessageShape<Desc> {
  try {
    return fromBinary(schema, bytes);
  } catch (err) {
    throw OrcError.from(err, 'InvalidAsset', `cannot decode ${schema.typeName}: `);
  }
}

export function encodeResponse<Desc extends DescMessage>(schema: Desc, message: MessageShape<Desc>): OpaqueBytes {
  return OpaqueBytes.view(toBinary(schema, message));
}

/** The JSON schema fragment the contract metadata gives a protobuf parameter or return value. */
export interface ProtobufSchema {
  type: 'string';
  contentMediaType: string;
  description: string;
}

export function protobufSchema(schema: DescMessage): ProtobufSchema {
  return {
    // JSON schema has no bytes type; "string" with a media type is how OpenAPI-style metadata says "opaque bytes".
    type: 'string',
    contentMediaType: `${PROTOBUF_MEDIA_TYPE}; messageType=${schema.typeName}`,
    description: `protobuf binary encoding of ${schema.typeName}`,
  };
}

function isProtobufSchema(schema: unknown): boolean {
  const media = (schema as Partial<ProtobufSchema> | undefined)?.contentMediaType;
  return typeof media === 'string' && media.startsWith(PROTOBUF_MEDIA_TYPE);
}

/** What fabric-shim's DataMarshall hands a serializer's fromBuffer: the parameter schema under properties.prop. */
interface ParameterSchema {
  properties?: { prop?: unknown };
}

/**
 * fabric-contract-api's JSONSerializer (lib/jsontransactionserializer.js @ 2.5.8) cannot carry bytes: it turns a
 * returned Buffer into `JSON.stringify({type: 'Buffer', data: [...]})` and hands a "string" parameter over as
 * `buffer.toString('utf8')`, which mangles binary. This serializer passes protobuf parameters and Uint8Array results
 * through untouched and defers to JSONSerializer for the rest (the system contract's GetMetadata).
 *
 * It is exported from main.ts as `serializers`, which fabric-shim's bootstrap (contract-spi/bootstrap.js) selects
 * through `serializers.transaction`.
 */
export class ProtobufSerializer extends JSONSerializer {
  override toBuffer(result: unknown, schema: unknown, loggerPrefix?: string): Buffer {
    if (result instanceof Uint8Array) return Buffer.from(result.buffer, result.byteOffset, result.byteLength);
    if (typeof result === 'object' && result !== null) {
      // JSONSerializer does JSON.stringify(classToPlain(result)), but fabric-contract-api's "class-transformer":
      // "^0.4.0" resolves to 0.4.1, the release that renamed classToPlain (it is undefined there), so every object
      // result fails with "classToPlain is not a function". Plain JSON is what classToPlain gave for plain objects.
      return Buffer.from(JSON.stringify(result));
    }
    return super.toBuffer(result, schema, loggerPrefix);
  }

  override fromBuffer(data: Buffer, schema: unknown, loggerPrefix?: string): unknown {
    if (!isProtobufSchema((schema as ParameterSchema).properties?.prop)) {
      return super.fromBuffer(data, schema, loggerPrefix);
    }
    // DataMarshall then runs ajv over `validateData` against the parameter schema (type "string"). ajv knows nothing
    // of protobuf: the decoder checks the bytes, ajv is given the media type so that its type check holds.
    return { value: OpaqueBytes.view(data), validateData: PROTOBUF_MEDIA_TYPE };
  }
}

/** The `serializers` export fabric-shim's bootstrap reads (it adds its own JSON serializer to the map). */
export const serializers = {
  transaction: 'protobuf',
  serializers: { protobuf: ProtobufSerializer } as Record<string, unknown>,
};
