import type { DescField, DescMessage, Message } from '@bufbuild/protobuf';

type Fields = Record<string, unknown>;

const TIMESTAMP = 'google.protobuf.Timestamp';

function canonicalTimestamp(ts: Fields): Fields {
  const nanos = ts['nanos'] as number;
  const rest = nanos % 1000;
  return rest === 0 ? ts : { ...ts, nanos: nanos - rest };
}

function canonicalValue(desc: DescMessage, value: unknown): unknown {
  return desc.typeName === TIMESTAMP ? canonicalTimestamp(value as Fields) : canonicalFields(desc, value as Fields);
}

/** Copies a map object inserting its keys in sorted order; see canonical() for why that is enough. */
function sortedMap(field: DescField & { fieldKind: 'map' }, record: Fields): Fields {
  const out: Fields = {};
  const message = field.mapKind === 'message' ? field.message : undefined;
  for (const key of Object.keys(record).sort()) {
    out[key] = message ? canonicalValue(message, record[key]) : record[key];
  }
  return out;
}

function canonicalFields(desc: DescMessage, msg: Fields): Fields {
  let out: Fields | undefined;
  const set = (name: string, value: unknown): void => {
    out ??= { ...msg };
    out[name] = value;
  };
  for (const field of desc.fields) {
    if (field.oneof) {
      if (field.fieldKind !== 'message') continue;
      const oneof = msg[field.oneof.localName] as { case: string | undefined; value?: unknown };
      if (oneof.case === field.localName) {
        set(field.oneof.localName, { case: oneof.case, value: canonicalValue(field.message, oneof.value) });
      }
      continue;
    }
    const value = msg[field.localName];
    switch (field.fieldKind) {
      case 'map':
        set(field.localName, sortedMap(field, value as Fields));
        break;
      case 'message':
        if (value !== undefined) set(field.localName, canonicalValue(field.message, value));
        break;
      case 'list':
        if (field.listKind === 'message' && (value as unknown[]).length > 0) {
          const item = field.message;
          set(
            field.localName,
            (value as unknown[]).map((v) => canonicalValue(item, v)),
          );
        }
        break;
      default:
        break;
    }
  }
  return out ?? msg;
}

/**
 * A copy of `msg` (sharing unchanged parts, never mutating `msg`) that every peer encodes to the same bytes:
 *
 * - protobuf-es writes map entries in `Object.keys` order, i.e. insertion order after integer-like keys, so two
 *   peers that built the same map in different orders would write different bytes. Re-inserting the keys in sorted
 *   order makes `Object.keys` a function of the key set alone (integer-like keys still come first, ascending, as
 *   the language specifies).
 * - every google.protobuf.Timestamp is truncated to microseconds, the precision every backend stores.
 *
 * Repeated fields keep their order (it is meaningful); scalars need nothing (protobuf encoding of numbers is exact).
 */
export function canonical<T extends Message>(desc: DescMessage, msg: T): T {
  return canonicalValue(desc, msg) as T;
}
