// sortParentsFirst (Kahn) and RegisterTasks end to end over random DAGs and random graphs with cycles.
import { create } from '@bufbuild/protobuf';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { RegisterTasksParamSchema } from '../../../lib/asset/index.js';
import { sortParentsFirst } from '../../../lib/service/index.js';
import { inp, ORG1, uuid } from './fixtures.js';
import { taskWorld } from './harness.js';

interface Node {
  key: string;
  parents: string[];
}

/** A DAG: node i may only have parents among [0, i). */
const dagArb = (maxNodes: number) =>
  fc
    .integer({ min: 1, max: maxNodes })
    .chain((n) =>
      fc.tuple(...Array.from({ length: n }, (_, i) => fc.subarray(Array.from({ length: i }, (__, j) => j)))),
    );

/** Any directed graph (cycles and self-loops allowed). */
const graphArb = (maxNodes: number) =>
  fc
    .integer({ min: 1, max: maxNodes })
    .chain((n) => fc.tuple(...Array.from({ length: n }, () => fc.subarray(Array.from({ length: n }, (_, j) => j)))));

const nodesOf = (parents: number[][]): Node[] =>
  parents.map((ps, i) => ({ key: `n${i}`, parents: ps.map((p) => `n${p}`) }));

const permutationOf = <T>(items: T[]) =>
  fc.shuffledSubarray(items, { minLength: items.length, maxLength: items.length });

const sort = (items: Node[], known: (k: string) => boolean = () => false) =>
  sortParentsFirst(
    items,
    (n) => n.key,
    (n) => n.parents,
    known,
  );

/** Reference: a node can be placed iff it is not on or below a cycle and every ancestor outside the batch is known. */
function sortable(items: Node[], known: (k: string) => boolean): Set<string> {
  const byKey = new Map(items.map((n) => [n.key, n]));
  const memo = new Map<string, boolean>();
  const visiting = new Set<string>();
  const ok = (key: string): boolean => {
    const node = byKey.get(key);
    if (!node) return known(key);
    const cached = memo.get(key);
    if (cached !== undefined) return cached;
    if (visiting.has(key)) return false;
    visiting.add(key);
    const result = node.parents.map(ok).every(Boolean);
    visiting.delete(key);
    memo.set(key, result);
    return result;
  };
  // A node on a cycle reaches itself: it can never be placed, nor can anything below it.
  const onCycle = (start: string): boolean => {
    const seen = new Set<string>();
    const stack = [...(byKey.get(start)?.parents ?? [])];
    while (stack.length > 0) {
      const k = stack.pop()!;
      if (k === start) return true;
      if (seen.has(k) || !byKey.has(k)) continue;
      seen.add(k);
      stack.push(...byKey.get(k)!.parents);
    }
    return false;
  };
  const cyclic = new Set(items.filter((n) => onCycle(n.key)).map((n) => n.key));
  const below = (key: string, seen = new Set<string>()): boolean => {
    if (cyclic.has(key)) return true;
    if (seen.has(key)) return false;
    seen.add(key);
    return (byKey.get(key)?.parents ?? []).some((p) => byKey.has(p) && below(p, seen));
  };
  return new Set(items.filter((n) => !below(n.key) && ok(n.key)).map((n) => n.key));
}

describe('sortParentsFirst', () => {
  it('any permutation of a DAG is fully sorted, every node after its parents', () => {
    fc.assert(
      fc.property(
        dagArb(12).chain((parents) => permutationOf(nodesOf(parents))),
        (items) => {
          const { sorted, unsorted } = sort(items);
          expect(unsorted).toEqual([]);
          expect(sorted.map((n) => n.key).sort()).toEqual(items.map((n) => n.key).sort());
          const position = new Map(sorted.map((n, i) => [n.key, i]));
          for (const n of sorted)
            for (const p of n.parents) expect(position.get(p)!).toBeLessThan(position.get(n.key)!);
        },
      ),
    );
  });

  it('is deterministic and keeps request order among independent items', () => {
    fc.assert(
      fc.property(
        dagArb(10).chain((parents) => permutationOf(nodesOf(parents))),
        (items) => {
          expect(sort(items).sorted).toEqual(sort(items).sorted);
          const roots = items.filter((n) => n.parents.length === 0);
          expect(sort(roots).sorted).toEqual(roots);
        },
      ),
    );
  });

  it('parents outside the batch must be known; unknown ones block their descendants', () => {
    fc.assert(
      fc.property(dagArb(8), fc.subarray([0, 1, 2, 3, 4, 5, 6, 7]), (parents, knownIdx) => {
        // Remove some nodes from the batch: they become outside parents, known or not.
        const all = nodesOf(parents);
        const outside = new Set(all.filter((_, i) => i % 3 === 0).map((n) => n.key));
        const items = all.filter((n) => !outside.has(n.key));
        const known = (k: string) => outside.has(k) && knownIdx.includes(Number(k.slice(1)) % 8);
        const { sorted, unsorted } = sort(items, known);
        const expected = sortable(items, known);
        expect(new Set(sorted.map((n) => n.key))).toEqual(expected);
        expect(unsorted.map((n) => n.key)).toEqual(items.filter((n) => !expected.has(n.key)).map((n) => n.key));
      }),
    );
  });

  it('nodes on or below a cycle are exactly the unsorted ones', () => {
    fc.assert(
      fc.property(graphArb(8), (parents) => {
        const items = nodesOf(parents);
        const { sorted, unsorted } = sort(items);
        const expected = sortable(items, () => false);
        expect(new Set(sorted.map((n) => n.key))).toEqual(expected);
        expect(sorted.length + unsorted.length).toBe(items.length);
        const position = new Map(sorted.map((n, i) => [n.key, i]));
        for (const n of sorted) for (const p of n.parents) expect(position.get(p)!).toBeLessThan(position.get(n.key)!);
      }),
    );
  });
});

describe('RegisterTasks over random graphs', () => {
  it('any permutation of a DAG registers, each task after its parents, ranks = longest path', async () => {
    await fc.assert(
      fc.asyncProperty(
        dagArb(8).chain((parents) => fc.tuple(fc.constant(parents), permutationOf(parents.map((_, i) => i)))),
        async ([parents, order]) => {
          const w = await taskWorld();
          const batch = parents.map(() => w.chain([]));
          batch.forEach((t, i) => (t.inputs = parents[i]!.map((p) => inp.parent('models', batch[p]!.key))));
          const { tasks } = await w.h
            .as(ORG1)
            .computeTask.registerTasks(create(RegisterTasksParamSchema, { tasks: order.map((i) => batch[i]!) }));
          const index = new Map(batch.map((t, i) => [t.key, i]));
          const position = new Map(tasks.map((t, i) => [index.get(t.key)!, i]));
          expect(tasks).toHaveLength(batch.length);
          const rank: number[] = [];
          parents.forEach((ps, i) => {
            rank[i] = ps.length === 0 ? 0 : Math.max(...ps.map((p) => rank[p]!)) + 1;
            for (const p of ps) expect(position.get(p)!).toBeLessThan(position.get(i)!);
          });
          for (const t of tasks) expect(t.rank).toBe(rank[index.get(t.key)!]);
        },
      ),
      { numRuns: 20 },
    );
  });

  it('any graph with a cycle is refused (OE0101, count of unsortable tasks) and writes nothing', async () => {
    await fc.assert(
      fc.asyncProperty(graphArb(6), async (parents) => {
        const items = nodesOf(parents);
        const placeable = sortable(items, () => false);
        fc.pre(placeable.size < items.length);
        const w = await taskWorld();
        const batch = parents.map(() => w.chain([]));
        batch.forEach((t, i) => (t.inputs = parents[i]!.map((p) => inp.parent('models', batch[p]!.key))));
        await w.h.refused(
          'OE0101',
          () => w.h.as(ORG1).computeTask.registerTasks(create(RegisterTasksParamSchema, { tasks: batch })),
          `unsorted_tasks_count: ${items.length - placeable.size}`,
        );
      }),
      { numRuns: 20 },
    );
  });

  it('an unknown parent is refused the same way', async () => {
    const w = await taskWorld();
    await w.h.refused(
      'OE0101',
      () =>
        w.h
          .as(ORG1)
          .computeTask.registerTasks(create(RegisterTasksParamSchema, { tasks: [w.chain([uuid()]), w.root()] })),
      'unsorted_tasks_count: 1',
    );
  });
});
