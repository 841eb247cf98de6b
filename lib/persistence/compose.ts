/** The intersection of a tuple of object types: what `composeSlices` returns. */
type AllOf<T extends object[]> = T extends [infer Head, ...infer Rest extends object[]] ? Head & AllOf<Rest> : unknown;

/**
 * Joins DBAL slices (or any objects of closures) into one object; a later slice's methods replace an earlier one's,
 * which is how a backend swaps one slice (lib/embedded's events). The result's type is the intersection of the
 * slices, so assigning it to DBAL is what checks that no slice is missing.
 *
 * Object.assign, not an object spread: a DBAL is composed for every call, and on Node 20 spreading several objects
 * of fresh closures into one literal took 30-110 µs per composition of two or three slices, where ledgerDB(),
 * eleven slices joined by Object.assign, takes about 12 µs (micro-benchmarks on the shared development machine).
 */
export function composeSlices<T extends object[]>(...slices: T): AllOf<T> {
  return Object.assign({}, ...slices) as AllOf<T>;
}
