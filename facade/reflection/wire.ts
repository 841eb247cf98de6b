// The ServerReflectionInfo messages, read and written directly on the wire (numbers as in descriptors.ts). Five small
// messages do not justify generated code; the tests check this codec against the descriptors the server publishes.
import { BinaryReader, BinaryWriter, WireType } from '@bufbuild/protobuf/wire';

export type ReflectionQuery =
  | { kind: 'fileByFilename'; name: string }
  | { kind: 'fileContainingSymbol'; symbol: string }
  | { kind: 'fileContainingExtension'; containingType: string; extensionNumber: number }
  | { kind: 'allExtensionNumbersOfType'; type: string }
  | { kind: 'listServices' }
  | { kind: 'none' };

export interface ReflectionRequest {
  host: string;
  query: ReflectionQuery;
  /** The request as received: the response echoes it (original_request) without re-encoding. */
  bytes: Uint8Array;
}

export type ReflectionAnswer =
  | { kind: 'files'; files: readonly Uint8Array[] }
  | { kind: 'extensionNumbers'; baseTypeName: string; numbers: readonly number[] }
  | { kind: 'services'; names: readonly string[] }
  | { kind: 'error'; code: number; message: string };

/** ServerReflectionRequest; throws on bytes that are not a protobuf message. Unknown fields are skipped. */
export function decodeReflectionRequest(bytes: Uint8Array): ReflectionRequest {
  const reader = new BinaryReader(bytes);
  let host = '';
  let query: ReflectionQuery = { kind: 'none' };
  while (reader.pos < reader.len) {
    const [field, wireType] = reader.tag();
    if (wireType !== WireType.LengthDelimited || field < 1 || field > 7 || field === 2) {
      reader.skip(wireType, field);
      continue;
    }
    // The oneof keeps the last member on the wire, as every protobuf decoder does.
    if (field === 1) host = reader.string();
    else if (field === 3) query = { kind: 'fileByFilename', name: reader.string() };
    else if (field === 4) query = { kind: 'fileContainingSymbol', symbol: reader.string() };
    else if (field === 5) query = { kind: 'fileContainingExtension', ...decodeExtensionRequest(reader.bytes()) };
    else if (field === 6) query = { kind: 'allExtensionNumbersOfType', type: reader.string() };
    else {
      reader.string();
      query = { kind: 'listServices' };
    }
  }
  return { host, query, bytes };
}

function decodeExtensionRequest(bytes: Uint8Array): { containingType: string; extensionNumber: number } {
  const reader = new BinaryReader(bytes);
  let containingType = '';
  let extensionNumber = 0;
  while (reader.pos < reader.len) {
    const [field, wireType] = reader.tag();
    if (field === 1 && wireType === WireType.LengthDelimited) containingType = reader.string();
    else if (field === 2 && wireType === WireType.Varint) extensionNumber = reader.int32();
    else reader.skip(wireType, field);
  }
  return { containingType, extensionNumber };
}

/** ServerReflectionResponse for `request`. */
export function encodeReflectionResponse(request: ReflectionRequest, answer: ReflectionAnswer): Uint8Array {
  const writer = new BinaryWriter();
  if (request.host !== '') writer.tag(1, WireType.LengthDelimited).string(request.host);
  writer.tag(2, WireType.LengthDelimited).bytes(request.bytes);
  switch (answer.kind) {
    case 'files':
      writer.tag(4, WireType.LengthDelimited).fork();
      for (const file of answer.files) writer.tag(1, WireType.LengthDelimited).bytes(file);
      writer.join();
      break;
    case 'extensionNumbers':
      writer.tag(5, WireType.LengthDelimited).fork();
      writer.tag(1, WireType.LengthDelimited).string(answer.baseTypeName);
      // proto3 repeated scalars are packed.
      writer.tag(2, WireType.LengthDelimited).fork();
      for (const n of answer.numbers) writer.int32(n);
      writer.join().join();
      break;
    case 'services':
      writer.tag(6, WireType.LengthDelimited).fork();
      for (const name of answer.names)
        writer.tag(1, WireType.LengthDelimited).fork().tag(1, WireType.LengthDelimited).string(name).join();
      writer.join();
      break;
    case 'error':
      writer.tag(7, WireType.LengthDelimited).fork();
      writer.tag(1, WireType.Varint).int32(answer.code);
      writer.tag(2, WireType.LengthDelimited).string(answer.message);
      writer.join();
      break;
  }
  return writer.finish();
}
