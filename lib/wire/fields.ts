// Reading hand-encoded protobuf messages (the batch envelope, health): a loop over the fields that leaves unknown
// ones behind, as every protobuf decoder does.
import { BinaryReader, type WireType } from '@bufbuild/protobuf/wire';

/**
 * Calls `read` for each field of the message in `bytes`; `read` consumes the fields it knows and returns true, and
 * the others are skipped. Throws on bytes that are not a protobuf message.
 */
export function readFields(
  bytes: Uint8Array,
  read: (reader: BinaryReader, field: number, wireType: WireType) => boolean,
): void {
  const reader = new BinaryReader(bytes);
  while (reader.pos < reader.len) {
    const [field, wireType] = reader.tag();
    if (!read(reader, field, wireType)) reader.skip(wireType, field);
  }
}
