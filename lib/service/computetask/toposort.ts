/**
 * Orders a batch so that every item comes after its parents (Kahn's algorithm). A parent outside the batch must be
 * known already (`isKnown`); items on a cycle or below an unknown parent end up in `unsorted`.
 * Deterministic: ties keep request order, which chaincode endorsements rely on.
 */
export function sortParentsFirst<T>(
  items: readonly T[],
  keyOf: (item: T) => string,
  parentsOf: (item: T) => readonly string[],
  isKnown: (key: string) => boolean,
): { sorted: T[]; unsorted: T[] } {
  const byKey = new Map(items.map((item) => [keyOf(item), item]));
  const pendingParents = new Map<string, number>();
  const childrenOf = new Map<string, string[]>();
  const blocked = new Set<string>();

  for (const item of items) {
    const key = keyOf(item);
    let pending = 0;
    for (const parent of parentsOf(item)) {
      if (byKey.has(parent)) {
        pending++;
        childrenOf.set(parent, [...(childrenOf.get(parent) ?? []), key]);
      } else if (!isKnown(parent)) {
        blocked.add(key);
      }
    }
    pendingParents.set(key, pending);
  }

  const queue = items.filter((item) => pendingParents.get(keyOf(item)) === 0 && !blocked.has(keyOf(item)));
  const sorted: T[] = [];
  for (let next = queue.shift(); next !== undefined; next = queue.shift()) {
    sorted.push(next);
    for (const childKey of childrenOf.get(keyOf(next)) ?? []) {
      const left = (pendingParents.get(childKey) ?? 0) - 1;
      pendingParents.set(childKey, left);
      const child = byKey.get(childKey);
      if (left === 0 && child !== undefined && !blocked.has(childKey)) queue.push(child);
    }
  }
  const placed = new Set(sorted);
  return { sorted, unsorted: items.filter((item) => !placed.has(item)) };
}
