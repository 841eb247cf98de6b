import type { DescMessage, MessageShape } from '@bufbuild/protobuf';
import { conflict, notFound } from '../errors/index.js';
import { decodeDoc, encodeDoc } from './codec.js';
import { INDEX_VALUE } from './keys.js';
import type { TxStore } from './store.js';

/** Typed document access over a TxStore. */

export async function getDoc<Desc extends DescMessage>(
  store: TxStore,
  desc: Desc,
  key: string,
): Promise<MessageShape<Desc> | undefined> {
  const bytes = await store.get(key);
  return bytes === undefined ? undefined : decodeDoc(desc, bytes);
}

export async function putDoc<Desc extends DescMessage>(
  store: TxStore,
  desc: Desc,
  key: string,
  msg: MessageShape<Desc>,
): Promise<void> {
  await store.put(key, encodeDoc(desc, msg));
}

/** Loads a document an update needs; updating an absent asset is a NotFound, never an implicit insert. */
export async function requireDoc<Desc extends DescMessage>(
  store: TxStore,
  desc: Desc,
  key: string,
  what: string,
  id: string,
): Promise<MessageShape<Desc>> {
  const doc = await getDoc(store, desc, key);
  if (doc === undefined) throw notFound(what, id);
  return doc;
}

/**
 * The ledger has no unique constraint, so an add checks that the document is absent (a Conflict otherwise, like a
 * unique violation in SQL); this keeps an add from orphaning the index entries of the document it would replace.
 * The read is normally free: the service's existence check already cached it.
 */
export async function requireAbsent(store: TxStore, key: string, what: string, id: string): Promise<void> {
  if ((await store.get(key)) !== undefined) throw conflict(what, id);
}

export function putIndex(store: TxStore, key: string): Promise<void> {
  return store.put(key, INDEX_VALUE);
}

/** A key attribute must be non-empty (Fabric refuses empty composite-key attributes). */
export function usable(key: string): boolean {
  return key.length > 0;
}

/** The documents found for the distinct `keys`, one point read each, in first-appearance order. */
export async function readEach<T>(keys: string[], read: (key: string) => Promise<T | undefined>): Promise<T[]> {
  const found: T[] = [];
  for (const key of new Set(keys)) {
    const doc = await read(key);
    if (doc !== undefined) found.push(doc);
  }
  return found;
}
