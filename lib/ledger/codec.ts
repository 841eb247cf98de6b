import { fromBinary, toBinary, type DescMessage, type MessageShape } from '@bufbuild/protobuf';
import { internal } from '../errors/index.js';
import { canonical } from './canonical.js';

/**
 * Documents are stored as one format byte followed by the protobuf binary encoding of the canonical form of the
 * asset (maps in sorted key order, timestamps at µs; see canonical.ts).
 *
 * Why protobuf binary rather than canonical JSON (toJson + sorted keys): measured on a ComputeTask with 3 inputs,
 * 2 outputs, a logs permission and 4 metadata entries (test/unit/ledger/codec-bench.ts: best of 15 rounds of
 * 10,000, best of several runs on a shared, loaded 2-core box, Node 20): encode 29 µs vs 24 µs (a draw;
 * canonicalising the maps is ~5 µs of it), decode 18 µs vs 32 µs (1.8x faster), 511 vs 1,020 bytes (half the
 * write set and peer traffic). Reads outnumber writes (every list item is decoded), so binary wins. It also keeps
 * exactly what the message holds (presence of empty sub-messages, int64, float32 bits) with no JSON mapping in
 * between, and the schema already fixes the field order, so only maps need canonicalising.
 *
 * The format byte makes every value non-empty (the stub reads an empty value as "absent", and an all-default
 * message encodes to zero bytes) and leaves room for a later change of encoding.
 */
const FORMAT_PROTOBUF = 1;

export function encodeDoc<Desc extends DescMessage>(desc: Desc, msg: MessageShape<Desc>): Uint8Array {
  const body = toBinary(desc, canonical(desc, msg));
  const out = new Uint8Array(body.length + 1);
  out[0] = FORMAT_PROTOBUF;
  out.set(body, 1);
  return out;
}

export function decodeDoc<Desc extends DescMessage>(desc: Desc, bytes: Uint8Array): MessageShape<Desc> {
  if (bytes[0] !== FORMAT_PROTOBUF) throw internal(`cannot decode ${desc.typeName}: unknown storage format`);
  return fromBinary(desc, bytes.subarray(1));
}
